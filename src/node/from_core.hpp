// The core's enums as the public API spells them (elector/node_role.hpp, member_state.hpp,
// elect_result.hpp). The core keeps enums of its own (Role, MemberStatus, ElectOutcome); a value
// crosses into what a Node reports only through these functions, so a value added on either side
// fails the build here (-Wswitch) rather than reaching a program unmapped.
//
// Thread safety: pure functions.
#pragma once

#include "core/election.hpp"
#include "core/messages.hpp"
#include "elector/elect_result.hpp"
#include "elector/member_state.hpp"
#include "elector/node_role.hpp"

namespace elector {

NodeRole public_role(Role r);
MemberState public_state(MemberStatus s);
ElectResult public_result(ElectOutcome o);

}  // namespace elector

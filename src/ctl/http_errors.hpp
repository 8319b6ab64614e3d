// Words for the HTTP client's transport errors. Included only by the .cpp files that use
// httplib, which stays out of every other header.
#pragma once

#include <httplib.h>

#include <string>

namespace elector::ctl {

/// "cannot connect", "no answer (read failed or timed out)", ...
std::string describe_transport_error(httplib::Error error);

}  // namespace elector::ctl

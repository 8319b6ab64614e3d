# Bash completion for electorctl (deploy/bash-completion/electorctl): it reads the subcommands and
# options from `electorctl ... --help` as it completes, so it needs no build step and cannot go
# stale. bash-completion loads it on demand from this directory.
include(GNUInstallDirs)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/bash-completion/electorctl
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT electorctl)

# The manual pages electord(8) and electorctl(1), rendered by pandoc from their Markdown sources in
# docs/man/ (the docs link to those sources rather than repeat the option lists: docs/man/README.md
# says why). Each page is built into <build>/man/ as roff and gzipped (gzip -9n: no name, no time,
# so the same source gives the same bytes), and installed with its program's package component.
# Without pandoc the pages are not built and the man_pages test fails, saying so.
include(GNUInstallDirs)

find_program(ELECTOR_PANDOC pandoc)
find_program(ELECTOR_GZIP gzip)
set(ELECTOR_MAN_DIR ${PROJECT_BINARY_DIR}/man)

if(NOT ELECTOR_PANDOC OR NOT ELECTOR_GZIP)
  message(WARNING "pandoc or gzip not found: the man pages are not built "
    "(scripts/install-deps.sh installs pandoc)")
  return()
endif()

set(_elector_man_pages "")
# page: electord.8 from docs/man/electord.8.md, installed into man8 with the electord component.
foreach(page_component electord.8:electord electorctl.1:electorctl)
  string(REPLACE ":" ";" _pc ${page_component})
  list(GET _pc 0 _page)
  list(GET _pc 1 _component)
  string(REGEX MATCH "[0-9]$" _section ${_page})
  set(_src ${PROJECT_SOURCE_DIR}/docs/man/${_page}.md)
  set(_roff ${ELECTOR_MAN_DIR}/${_page})
  add_custom_command(OUTPUT ${_roff} ${_roff}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ELECTOR_MAN_DIR}
    # -smart: "--name" stays two hyphens, not an en dash.
    COMMAND ${ELECTOR_PANDOC} --standalone --from markdown-smart --to man
      --metadata "footer=elector ${PROJECT_VERSION}" --output ${_roff} ${_src}
    COMMAND ${ELECTOR_GZIP} -9nfk ${_roff}
    DEPENDS ${_src}
    COMMENT "Rendering the man page ${_page}"
    VERBATIM)
  list(APPEND _elector_man_pages ${_roff}.gz)
  install(FILES ${_roff}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section}
    COMPONENT ${_component})
endforeach()
add_custom_target(elector_man_pages ALL DEPENDS ${_elector_man_pages})

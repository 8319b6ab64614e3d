# Turns a file into C++ source at build time, so that a binary serves it without reading the
# source tree (electord's /ui page). Run as a script:
#   cmake -DINPUT=file -DOUTPUT=file.cpp -DHEADER=dir/x.hpp -DNAMESPACE=a::b -DFUNCTION=f -P embed_file.cmake
# OUTPUT defines `std::string_view NAMESPACE::FUNCTION()`, declared in HEADER, returning the bytes
# of INPUT. file(READ ... HEX) rather than xxd, which is not always installed.
foreach(var INPUT OUTPUT HEADER NAMESPACE FUNCTION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_file.cmake: ${var} is not set")
  endif()
endforeach()
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
# 0x.., twenty bytes a line.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){20})" "\\1\n    " bytes "${bytes}")
set(text "// Generated from ${INPUT} by cmake/embed_file.cmake: do not edit.\n")
string(APPEND text "#include \"${HEADER}\"\n\nnamespace ${NAMESPACE} {\n\nnamespace {\n")
string(APPEND text "constexpr char kBytes[${size} + 1] = {\n    ${bytes}'\\0'};\n}  // namespace\n\n")
string(APPEND text "std::string_view ${FUNCTION}() {\n  return {kBytes, ${size}};\n}\n\n}  // namespace ${NAMESPACE}\n")
# Written only when it changed, so that an unchanged page does not recompile.
file(CONFIGURE OUTPUT "${OUTPUT}" CONTENT "${text}" @ONLY)

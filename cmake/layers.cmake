# Folder = layer: each folder of src/ is one layer, and src/layers.txt says which other layers it
# may include. A layer's target compiles with only those folders on its include path:
# <build>/layers/<layer>/ holds a link to the layer's own folder and to each allowed one, so an
# #include that crosses a forbidden edge does not compile. (tests/check_layers.sh reads the same
# table and names the offending line.)
#
# elector_layer(target layer): gives `target` the include path of `layer` (PRIVATE: a layer's
# users see its headers through their own path, never through the target's) and the public
# headers (PUBLIC).
# elector_whole_tree: for tests, tools, benchmarks and fuzzers, which look into every layer.

file(STRINGS ${PROJECT_SOURCE_DIR}/src/layers.txt _elector_layer_rows REGEX "^[a-z_]+:")
set(_elector_layers "")
foreach(row IN LISTS _elector_layer_rows)
  string(REGEX MATCH "^([a-z_]+):(.*)$" _ "${row}")
  set(layer ${CMAKE_MATCH_1})
  string(STRIP "${CMAKE_MATCH_2}" allowed)
  separate_arguments(allowed UNIX_COMMAND "${allowed}")
  list(APPEND _elector_layers ${layer})
  set(_elector_allowed_${layer} ${allowed})
endforeach()

# The table must be closed downwards: a layer that includes another includes, through its
# headers, what that one includes.
foreach(layer IN LISTS _elector_layers)
  foreach(below IN LISTS _elector_allowed_${layer})
    if(NOT below IN_LIST _elector_layers)
      message(FATAL_ERROR "src/layers.txt: ${layer} allows ${below}, which is not a layer")
    endif()
    foreach(further IN LISTS _elector_allowed_${below})
      if(NOT further IN_LIST _elector_allowed_${layer})
        message(FATAL_ERROR
          "src/layers.txt: ${layer} allows ${below}, which allows ${further}: allow it in ${layer} too")
      endif()
    endforeach()
  endforeach()
endforeach()

function(elector_layer target layer)
  if(NOT layer IN_LIST _elector_layers)
    message(FATAL_ERROR "src/${layer} is a layer that src/layers.txt does not know")
  endif()
  set(view ${PROJECT_BINARY_DIR}/layers/${layer})
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view})
  foreach(dir IN ITEMS ${layer} LISTS _elector_allowed_${layer})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${dir} ${view}/${dir} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PRIVATE ${view} PUBLIC ${PROJECT_SOURCE_DIR}/include)
endfunction()

add_library(elector_whole_tree INTERFACE)
target_include_directories(elector_whole_tree
  INTERFACE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)

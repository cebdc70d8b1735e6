# ddisim_glob_library(NAME DIR... [SYSTEMC]): a static library from every .cpp/.c
# below the given folders. Globbing (with CONFIGURE_DEPENDS) lets a new source
# file join its folder's library without anyone editing a CMakeLists.txt.
function(ddisim_glob_library name)
  cmake_parse_arguments(A "" "" "DIRS;LINK" ${ARGN})
  set(srcs)
  foreach(d IN LISTS A_DIRS)
    file(GLOB_RECURSE s CONFIGURE_DEPENDS ${d}/*.cpp ${d}/*.c)
    list(APPEND srcs ${s})
  endforeach()
  if(NOT srcs)
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ddisim_options ${A_LINK})
  else()
    add_library(${name} STATIC ${srcs})
    target_link_libraries(${name} PUBLIC ddisim_options ${A_LINK})
  endif()
endfunction()

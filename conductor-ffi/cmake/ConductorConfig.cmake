# ConductorConfig.cmake: lets CMake projects use libconductor with
#
#   find_package(Conductor 0.1 REQUIRED)
#   target_link_libraries(my_app PRIVATE Conductor::conductor)          # shared
#   target_link_libraries(my_app PRIVATE Conductor::conductor_static)   # static
#
# Installed as <prefix>/lib/cmake/Conductor/ConductorConfig.cmake by
# scripts/package-c-api.sh; the prefix is found relative to this file, so the tree can
# be moved. Pass -DCMAKE_PREFIX_PATH=<prefix> (or -DConductor_DIR=...) if the prefix is
# not a standard one.

get_filename_component(_conductor_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

if(NOT TARGET Conductor::conductor)
  add_library(Conductor::conductor SHARED IMPORTED)
  set_target_properties(Conductor::conductor PROPERTIES
    IMPORTED_LOCATION "${_conductor_prefix}/lib/${CMAKE_SHARED_LIBRARY_PREFIX}conductor${CMAKE_SHARED_LIBRARY_SUFFIX}"
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "${_conductor_prefix}/include")
endif()

if(NOT TARGET Conductor::conductor_static)
  add_library(Conductor::conductor_static STATIC IMPORTED)
  # The system libraries a static link needs (as in conductor.pc's Libs.private).
  set(_conductor_static_deps "")
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    set(_conductor_static_deps asound gcc_s util rt pthread m dl c)
  endif()
  set_target_properties(Conductor::conductor_static PROPERTIES
    IMPORTED_LOCATION "${_conductor_prefix}/lib/${CMAKE_STATIC_LIBRARY_PREFIX}conductor${CMAKE_STATIC_LIBRARY_SUFFIX}"
    INTERFACE_INCLUDE_DIRECTORIES "${_conductor_prefix}/include"
    INTERFACE_LINK_LIBRARIES "${_conductor_static_deps}")
  unset(_conductor_static_deps)
endif()

set(Conductor_INCLUDE_DIRS "${_conductor_prefix}/include")
set(Conductor_LIBRARIES Conductor::conductor)
unset(_conductor_prefix)

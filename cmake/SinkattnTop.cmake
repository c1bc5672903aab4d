# How the accelerator top is Verilated for one hardware configuration and wrapped in its RTL
# runner (sim/rtl/rtl_run.cpp). One mechanism for every build of the top that a host program
# drives: the default preset's (sinkattn_rtl), the SINKATTN_HW_VARIANTS presets'
# (sinkattn_rtl_<preset>), and the hardware `sinkattn rtl` and rtl-fidelity sweep points
# Verilate on demand (sim/rtl/ondemand/CMakeLists.txt, docs/sweep.md).
#
# Needs: SINKATTN_SOURCE_ROOT (the source tree), SINKATTN_RTL_GEN (the generated numerics header
# and lookup tables) and Verilator's CMake package (verilate()).

# The top's sources: rtl/sinkattn_top.files, the one list every tool reads (@GEN@/ names a
# generated file).
file(STRINGS ${SINKATTN_SOURCE_ROOT}/rtl/sinkattn_top.files sinkattn_top_files REGEX "^[^#]")
set(SINKATTN_TOP_SOURCES)
foreach(f IN LISTS sinkattn_top_files)
  if(f MATCHES "^@GEN@/(.*)$")
    list(APPEND SINKATTN_TOP_SOURCES ${SINKATTN_RTL_GEN}/${CMAKE_MATCH_1})
  else()
    list(APPEND SINKATTN_TOP_SOURCES ${SINKATTN_SOURCE_ROOT}/${f})
  endif()
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SINKATTN_SOURCE_ROOT}/rtl/sinkattn_top.files)

# sinkattn_read_params(FILE PREFIX): a generated CMake fragment's parameters (a preset's,
# sinkattn_gen_params; the numeric contract's, scripts/gen_tables.py; an on-demand build's hardware,
# sim/rtl/rtl_build.cpp) become the variables PREFIX<Name> in the caller's scope; a hardware
# fragment's also PREFIXTOP_NAMES (the top's parameters), PREFIXTRAITS_HEADER and PREFIXTRAITS
# (its generated C++ traits).
function(sinkattn_read_params file prefix)
  include(${file})
  foreach(name IN LISTS SINKATTN_PARAM_NAMES)
    set(${prefix}${name} ${SINKATTN_PARAM_${name}} PARENT_SCOPE)
  endforeach()
  foreach(extra TOP_NAMES TRAITS_HEADER TRAITS)
    if(DEFINED SINKATTN_PARAM_${extra})
      set(${prefix}${extra} ${SINKATTN_PARAM_${extra}} PARENT_SCOPE)
    endif()
  endforeach()
endfunction()

# sinkattn_top_params(OUT PREFIX): the top's -G parameters, each under its generated name, from
# the variables that sinkattn_read_params made from a generated hardware fragment.
function(sinkattn_top_params out p)
  set(params)
  foreach(name IN LISTS ${p}TOP_NAMES)
    list(APPEND params -G${name}=${${p}${name}})
  endforeach()
  set(${out} ${params}
      -GExp2LutFile=\"${SINKATTN_RTL_GEN}/exp2_lut.hex\" -GRecipLutFile=\"${SINKATTN_RTL_GEN}/recip_lut.hex\"
      PARENT_SCOPE)
endfunction()

# sinkattn_verilate(TARGET TOP SOURCES ... [PARAMS -GName=value ...]): a static library holding
# the Verilated model (prefix V<TOP>), FST tracing compiled in (on at run time by WAVES=1), and
# line and toggle coverage in the coverage build (SINKATTN_VL_COVERAGE_ARGS, rtl/CMakeLists.txt).
function(sinkattn_verilate target top)
  cmake_parse_arguments(V "" "PREFIX" "SOURCES;PARAMS" ${ARGN})
  if(NOT V_PREFIX)
    set(V_PREFIX V${top})  # the model's class; a second build of one top needs its own
  endif()
  add_library(${target} STATIC)
  verilate(${target} TRACE_FST PREFIX ${V_PREFIX} TOP_MODULE ${top}
           INCLUDE_DIRS ${SINKATTN_RTL_GEN}
           VERILATOR_ARGS -Wall -O3 ${SINKATTN_VL_COVERAGE_ARGS} ${V_PARAMS}
           SOURCES ${V_SOURCES})
  # Verilator's own runtime headers are not ours to keep warning-free under -Wextra.
  target_include_directories(${target} SYSTEM PUBLIC ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
  target_compile_options(${target} PRIVATE -Wno-unused-parameter)
endfunction()

# sinkattn_rtl_runner(NAME VRTL_TARGET PREFIX ORIGIN): the RTL runner against one Verilated build
# of the top; PREFIX names the parameters that build was Verilated with (sinkattn_read_params),
# ORIGIN says which build it is (recorded in results: rtl::model_name()).
function(sinkattn_rtl_runner name vrtl p origin)
  add_library(${name} STATIC ${SINKATTN_SOURCE_ROOT}/sim/rtl/rtl_run.cpp)
  target_include_directories(${name} PUBLIC ${SINKATTN_SOURCE_ROOT}/sim/rtl)
  target_link_libraries(${name} PUBLIC sinkattn_host ${vrtl} PRIVATE sinkattn_vl_bits)
  # The hardware the top was Verilated with reaches the runner as the same fragment's generated
  # traits (rtl_run.cpp includes them), not as one macro per parameter.
  target_compile_definitions(${name} PRIVATE SINKATTN_RTL_TRAITS_HEADER="${${p}TRAITS_HEADER}"
                             SINKATTN_RTL_TRAITS=${${p}TRAITS} SINKATTN_RTL_ORIGIN="${origin}")
  if(SINKATTN_COVERAGE)  # writes the model's coverage after every run (rtl_run.cpp)
    target_compile_definitions(${name} PRIVATE SINKATTN_RTL_COVERAGE=1)
  endif()
endfunction()

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
# sim/rtl/rtl_build.cpp) become the variables PREFIX<Name> in the caller's scope.
function(sinkattn_read_params file prefix)
  include(${file})
  foreach(name IN LISTS SINKATTN_PARAM_NAMES)
    set(${prefix}${name} ${SINKATTN_PARAM_${name}} PARENT_SCOPE)
  endforeach()
endfunction()

# sinkattn_top_params(OUT PREFIX): the top's -G parameters from the variables PREFIX<Name> that
# sinkattn_read_params made from a generated parameter fragment.
function(sinkattn_top_params out p)
  set(${out}
      -GHeadDim=${${p}HeadDim} -GQkLanes=${${p}QkLanes} -GPvLanes=${${p}PvLanes} -GMaxTokens=${${p}MaxTokens}
      -GMaxLayers=${${p}MaxLayers} -GMaxQHeads=${${p}MaxQHeads} -GMaxKvHeads=${${p}MaxKvHeads}
      -GSinkTokens=${${p}SinkSramTokens} -GTopkP=${${p}TopkParallelism} -GLfsrSeed=${${p}TopkLfsrSeed}
      -GBusBytes=${${p}DramBytesPerCycle} -GBurstBytes=${${p}DramBurstBytes}
      -GExp2LutFile=\"${SINKATTN_RTL_GEN}/exp2_lut.hex\" -GRecipLutFile=\"${SINKATTN_RTL_GEN}/recip_lut.hex\"
      PARENT_SCOPE)
endfunction()

# sinkattn_verilate(TARGET TOP SOURCES ... [PARAMS -GName=value ...]): a static library holding
# the Verilated model (prefix V<TOP>), FST tracing compiled in (on at run time by WAVES=1), and
# line and toggle coverage in the coverage build (SINKATTN_VL_COVERAGE_ARGS, rtl/CMakeLists.txt).
function(sinkattn_verilate target top)
  cmake_parse_arguments(V "" "" "SOURCES;PARAMS" ${ARGN})
  add_library(${target} STATIC)
  verilate(${target} TRACE_FST PREFIX V${top} TOP_MODULE ${top}
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
  target_compile_definitions(${name} PRIVATE
    SINKATTN_HW_HEAD_DIM=${${p}HeadDim} SINKATTN_HW_QK_LANES=${${p}QkLanes} SINKATTN_HW_PV_LANES=${${p}PvLanes}
    SINKATTN_HW_MAX_TOKENS=${${p}MaxTokens} SINKATTN_HW_MAX_LAYERS=${${p}MaxLayers}
    SINKATTN_HW_MAX_Q_HEADS=${${p}MaxQHeads} SINKATTN_HW_MAX_KV_HEADS=${${p}MaxKvHeads}
    SINKATTN_HW_SINK_SRAM_TOKENS=${${p}SinkSramTokens} SINKATTN_HW_TOPK_P=${${p}TopkParallelism}
    SINKATTN_HW_TOPK_SEED=${${p}TopkLfsrSeed} SINKATTN_HW_BUS_BYTES=${${p}DramBytesPerCycle}
    SINKATTN_HW_BURST_BYTES=${${p}DramBurstBytes} SINKATTN_RTL_ORIGIN="${origin}")
  if(SINKATTN_COVERAGE)  # writes the model's coverage after every run (rtl_run.cpp)
    target_compile_definitions(${name} PRIVATE SINKATTN_RTL_COVERAGE=1)
  endif()
endfunction()

# Vitis HLS: C-synthesis of the kernel's tops (hls/vitis/top.cpp). NOT RUN by this project: no
# HLS tool is installed on its machines, so nothing here has been synthesized or checked.
#
#   cmake --build build --target sinkattn_params sinkattn_numerics   # the generated headers
#   cd hls/vitis && vitis_hls -f run_hls.tcl                         # top sinkattn_job
#   cd hls/vitis && vitis_hls -f run_hls.tcl -tclargs sinkattn_topk  # the top-k engine
#
# Environment: SINKATTN_BUILD (default ../../build), SINKATTN_HLS_PRESET (default sinkattn),
# SINKATTN_HLS_PART (default xcu250-figd2104-2L-e), SINKATTN_HLS_CLOCK_NS (default 4).
set top [expr {[llength $argv] > 0 ? [lindex $argv 0] : "sinkattn_job"}]
set build [expr {[info exists ::env(SINKATTN_BUILD)] ? $::env(SINKATTN_BUILD) : "../../build"}]
set preset [expr {[info exists ::env(SINKATTN_HLS_PRESET)] ? $::env(SINKATTN_HLS_PRESET) : "sinkattn"}]
set part [expr {[info exists ::env(SINKATTN_HLS_PART)] ? $::env(SINKATTN_HLS_PART) : "xcu250-figd2104-2L-e"}]
set clock [expr {[info exists ::env(SINKATTN_HLS_CLOCK_NS)] ? $::env(SINKATTN_HLS_CLOCK_NS) : 4}]

set cflags "-std=c++14 -I../include -I$build/generated/include -DSINKATTN_HLS_PRESET=$preset"
open_project -reset sinkattn_hls_$top
set_top $top
add_files top.cpp -cflags $cflags
open_solution -reset solution_$preset -flow_target vivado
set_part $part
create_clock -period $clock -name default
csynth_design
exit

// Priority encoder: the index of the lowest set bit of a vector, and whether any is set. The list
// scan of the front and the eviction scan's token walk each use one to find the next token of an
// alive-bitmap word (rtl/sinkattn_front.sv, rtl/sinkattn_top.sv).
//
// Purely combinational. The search is a function with its own loop variable and result, so no
// module variable is written twice in one evaluation (Icarus 11 re-triggers an always_comb that
// does).
`default_nettype none

module first_set #(
  parameter int Width    = 8,   // bits searched, >= 1
  parameter int IndexBits = 4   // width of index_o, enough for Width - 1
) (
  input  logic [Width-1:0]     bits_i,   // the vector
  output logic                 found_o,  // some bit is set
  output logic [IndexBits-1:0] index_o   // the lowest set bit's index (0 when none is set)
);
  function automatic logic [IndexBits-1:0] lowest(input logic [Width-1:0] v);
    lowest = '0;
    for (int i = Width - 1; i >= 0; i = i - 1) if (v[i]) lowest = IndexBits'(i);
  endfunction

  assign found_o = |bits_i;
  assign index_o = lowest(bits_i);

`ifndef SYNTHESIS
  initial begin
    if (Width < 1 || (Width > 1 && IndexBits < $clog2(Width)))
      $fatal(1, "first_set: IndexBits %0d cannot hold an index below Width %0d", IndexBits, Width);
  end
`endif
endmodule

`default_nettype wire

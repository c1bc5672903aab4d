// Synchronous fall-through FIFO of flip-flops: the head entry is visible on data_o in the cycle
// after its push, and stays until popped. For the small queues of the datapath (a few entries,
// such as the softmax unit's output FIFO); the storage is one packed register, so synthesis
// keeps it as flip-flops and never infers a RAM. Deep queues (the K/V fetch's 64-entry tag
// queue) are memories instead.
//
// Push and pop in the same cycle are allowed when not empty (and when not full, for the push).
// Pushing when full or popping when empty is the caller's error: the cell does not guard it
// (an SVA-style check in simulation would go here; the callers reserve credits instead).
`default_nettype none

module sync_fifo #(
  parameter int Width = 8,  // bits per entry
  parameter int Depth = 4,  // entries, >= 1 (any value; the pointers wrap at Depth)
  // Derived, not to be overridden
  localparam int PtrBits = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int CntBits = $clog2(Depth + 1)
) (
  input  logic               clk_i,    // clock
  input  logic               rst_ni,   // asynchronous reset, active low; empties the FIFO
  input  logic               push_i,   // write data_i at the tail this cycle
  input  logic [Width-1:0]   data_i,   // entry to push
  input  logic               pop_i,    // drop the head this cycle
  output logic [Width-1:0]   data_o,   // head entry (valid while count_o != 0)
  output logic               empty_o,  // no entry
  output logic               full_o    // Depth entries
);
  logic [Depth*Width-1:0] mem_q;  // entry i at [i*Width +: Width]
  logic [PtrBits-1:0] wr_ptr_q, rd_ptr_q;
  logic [CntBits-1:0] cnt_q;

  assign data_o  = mem_q[rd_ptr_q*Width +: Width];
  assign empty_o = (cnt_q == '0);
  assign full_o  = (cnt_q == CntBits'(Depth));

  always_ff @(posedge clk_i) begin
    if (push_i) mem_q[wr_ptr_q*Width +: Width] <= data_i;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q <= '0;
      rd_ptr_q <= '0;
      cnt_q    <= '0;
    end else begin
      if (push_i) wr_ptr_q <= (wr_ptr_q == PtrBits'(Depth - 1)) ? '0 : wr_ptr_q + PtrBits'(1);
      if (pop_i)  rd_ptr_q <= (rd_ptr_q == PtrBits'(Depth - 1)) ? '0 : rd_ptr_q + PtrBits'(1);
      cnt_q <= cnt_q + CntBits'(push_i) - CntBits'(pop_i);
    end
  end
endmodule

`default_nettype wire

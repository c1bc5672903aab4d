// The score serializer of sinkattn_top: the Q.K lanes deliver QkLanes scores a beat, the softmax
// unit takes one a cycle. One beat register; its valid lanes are contiguous from lane 0, so the
// beat's last score is the one with no valid lane above it. A new beat is taken in the cycle
// the register's last score leaves (or while the register is empty), so a full-rate stream of
// single-lane beats flows without a bubble.
module sinkattn_serializer #(
  parameter int QkLanes   = 4,   // scores per input beat
  parameter int ScoreBits = 32   // bits per score
) (
  input  logic                         clk_i,         // clock
  input  logic                         rst_ni,        // asynchronous reset, active low
  // Q.K lanes' score beats
  input  logic                         in_valid_i,    // beat valid
  output logic                         in_ready_o,    // beat taken when valid & ready
  input  logic [QkLanes*ScoreBits-1:0] in_s_i,        // scores, lane i at [i*ScoreBits +: ScoreBits]
  input  logic [QkLanes-1:0]           in_lv_i,       // valid lanes, contiguous from lane 0
  input  logic                         in_last_i,     // the row's last beat
  // One score a cycle into the softmax unit
  output logic                         out_valid_o,   // score valid
  input  logic                         out_ready_i,   // score taken when valid & ready
  output logic [ScoreBits-1:0]         out_s_o,       // the score
  output logic                         out_last_o,    // the row's last score
  output logic                         out_take_o     // a score is taken this cycle (out_valid_o & out_ready_i)
);

  logic                         valid_q;   // the beat register holds scores not yet taken
  logic [QkLanes*ScoreBits-1:0] s_q;       // the beat's scores
  logic [QkLanes-1:0]           lv_q;      // its valid lanes
  logic                         last_q;    // it is the row's last beat
  logic [$clog2(QkLanes+1)-1:0] idx_q;     // lane of the next score out

  logic final_lane, take;
  // Valid lanes are contiguous from lane 0: the lane after idx_q is valid iff any is above.
  assign final_lane = ((lv_q >> idx_q) >> 1) == '0;
  assign take       = valid_q && out_ready_i;
  assign in_ready_o = !valid_q || (final_lane && take);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0; s_q <= '0; lv_q <= '0; last_q <= 1'b0; idx_q <= '0;
    end else if (in_valid_i && in_ready_o) begin
      valid_q <= 1'b1;
      s_q     <= in_s_i;
      lv_q    <= in_lv_i;
      last_q  <= in_last_i;
      idx_q   <= '0;
    end else if (take) begin
      if (final_lane) valid_q <= 1'b0;
      else            idx_q   <= idx_q + 1'b1;
    end
  end

  assign out_valid_o = valid_q;
  assign out_s_o     = s_q[32'(idx_q)*ScoreBits +: ScoreBits];
  assign out_last_o  = last_q && final_lane;
  assign out_take_o  = take;
endmodule

// Icarus Verilog testbench for rtl/topk_engine.sv: replays the vectors written by the
// GoogleTest harness of the Verilated engine (testbench/rtl/topk_engine_tb.cpp), with the
// outputs it expects from sinkattn::topk_select and the cycle count of
// rtl/topk_engine_latency.md, and compares everything itself.
//
// The vector list runs twice through one engine: first without back-pressure, where every
// selection must also finish in exactly the formula's cycles, then, after a reset (which puts
// the LFSR back to TopkLfsrSeed, so the same LFSR sequence repeats), with random valid/ready
// back-pressure on command, scores and indices, where only the results are compared. Within a
// run the engine is never reset between selections, like the one Lfsr16 of the C++ model.
//
// Flow (P, ScoreW, MaxN, ModSteps and TopkLfsrSeed must match the harness build; they are checked
// against the header of the vector file):
//   1. SINKATTN_RTL_VECTORS=DIR topk_engine_tb --gtest_filter=TopkEngine.IcarusVectors
//      (or: topk_engine_tb --write-vectors DIR/topk_engine_vectors.txt [--vectors N])
//      SINKATTN_SEED picks the vectors; the harness prints it.
//   2. iverilog -g2012 -s topk_engine_iverilog_tb -o tb.vvp \
//        [-P topk_engine_iverilog_tb.TopkParallelism=16 -P topk_engine_iverilog_tb.MaxN=4096 ...] \
//        rtl/topk_engine.sv testbench/rtl/topk_engine_iverilog_tb.sv
//   3. vvp -n tb.vvp +vectors=DIR/topk_engine_vectors.txt [+seed=N] [+out=FILE]
//      prints "PASS <count> vectors ..." and exits 0, or prints "FAIL ..." with the first
//      mismatch (vector number, n, k, output beat) and exits 1 ($fatal). +seed seeds the
//      back-pressure; +out writes what the engine did in the first run, per vector
//      "kept lfsr_after done_cycle" and the indices (hexadecimal).
//
// Vector file (written by the harness), all numbers hexadecimal, whitespace separated:
//   header   "P ScoreW MaxN ModSteps TopkLfsrSeed count"
//   vector   "n k", n scores, "kept lfsr_after done_cycle", the kept indices in ascending order
// done_cycle counts from the command handshake (cycle 0) to the cycle done_o is high.

`timescale 1ns / 1ps

module topk_engine_iverilog_tb;
  parameter int TopkParallelism = 16;
  parameter int ScoreW = 48;
  parameter int MaxN = 4096;
  parameter int ModSteps = 8;
  parameter int TopkLfsrSeed = 44257;  // 0xACE1

  localparam int CntW = $clog2(MaxN + 1);
  localparam int IdxW = $clog2(MaxN);

  logic                clk = 1'b0;
  logic                rst_n = 1'b0;
  logic                start_valid = 1'b0;
  logic                start_ready;
  logic [CntW-1:0]     n_in = '0;
  logic [CntW-1:0]     k_in = '0;
  logic                in_valid = 1'b0;
  logic                in_ready;
  logic [TopkParallelism*ScoreW-1:0] in_scores = '0;
  logic [TopkParallelism*ScoreW-1:0] beat_data;
  logic                out_valid;
  logic                out_ready = 1'b0;
  logic [IdxW-1:0]     out_index;
  logic                out_last;
  logic                done;
  logic [15:0]         lfsr;
  logic                pass_pulse;
  logic [CntW-1:0]     pass_count;
  logic [CntW-1:0]     pass_pivot;

  topk_engine #(
    .TopkParallelism (TopkParallelism),
    .ScoreW   (ScoreW),
    .MaxN     (MaxN),
    .TopkLfsrSeed (TopkLfsrSeed),
    .ModSteps (ModSteps)
  ) dut (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .start_valid_i (start_valid),
    .start_ready_o (start_ready),
    .n_i           (n_in),
    .k_i           (k_in),
    .in_valid_i    (in_valid),
    .in_ready_o    (in_ready),
    .in_scores_i   (in_scores),
    .out_valid_o   (out_valid),
    .out_ready_i   (out_ready),
    .out_index_o   (out_index),
    .out_last_o    (out_last),
    .done_o        (done),
    .lfsr_o        (lfsr),
    .pass_o        (pass_pulse),
    .pass_count_o  (pass_count),
    .pass_pivot_o  (pass_pivot)
  );

  always #5 clk = ~clk;

  logic [ScoreW-1:0] scores [MaxN];
  logic [31:0]       want_idx [MaxN + 1];
  logic [31:0]       got_idx [MaxN + 1];

  integer fv, fo, rc, seed, bp;
  integer hp, hw, hm, hs, hl, count;
  integer vec, n, k, want_cnt, want_lfsr, want_done;
  integer got_cnt, got_done, cycle, beat, nb, limit, i, j;
  logic   started, finished, last_ok;
  string  vec_file, out_file;

  // One selection. Inputs change on the falling edge; handshakes are judged from the settled
  // values just before the rising edge.
  task automatic run_one;
    begin
      started  = 1'b0;
      finished = 1'b0;
      last_ok  = 1'b1;
      got_cnt  = 0;
      got_done = -1;
      beat     = 0;
      nb       = (n + TopkParallelism - 1) / TopkParallelism;
      limit    = 64 * (n + 64) + 4 * n * TopkParallelism + 10000;
      cycle    = 0;
      while (!finished) begin
        @(negedge clk);
        start_valid = !started && (bp == 0 || ($random(seed) & 1));
        n_in        = start_valid ? n[CntW-1:0] : $random(seed);
        k_in        = start_valid ? k[CntW-1:0] : $random(seed);
        in_valid    = started && beat < nb && (bp == 0 || ($random(seed) & 1));
        // Built in a variable and driven once: one event per cycle on the wide bus.
        for (j = 0; j < TopkParallelism; j = j + 1) begin
          if (in_valid && beat * TopkParallelism + j < n) beat_data[j*ScoreW +: ScoreW] = scores[beat*TopkParallelism + j];
          else beat_data[j*ScoreW +: ScoreW] = {$random(seed), $random(seed)};
        end
        in_scores = beat_data;
        out_ready = (bp == 0) || ($random(seed) % 3 != 0);
        #1;
        if (started && done) begin
          got_done = cycle;
          finished = 1'b1;
        end
        if (!started && start_valid && start_ready) begin
          started = 1'b1;
          cycle   = 0;
        end
        if (started && in_valid && in_ready) beat = beat + 1;
        if (out_valid && out_ready) begin
          if (got_cnt <= MaxN) got_idx[got_cnt] = out_index;
          got_cnt = got_cnt + 1;
          if (out_last != (got_cnt == want_cnt)) last_ok = 1'b0;
        end
        cycle = cycle + 1;
        if (cycle > limit) begin
          $display("FAIL run %0d vector %0d n %0d k %0d: no done_o after %0d cycles", bp, vec, n, k, cycle);
          $fatal(1);
        end
      end
    end
  endtask

  // Every vector of the file once; bp selects the back-pressure run.
  task automatic run_file;
    begin
      fv = $fopen(vec_file, "r");
      if (fv == 0) begin
        $display("FAIL cannot open %s", vec_file);
        $fatal(1);
      end
      rc = $fscanf(fv, "%h %h %h %h %h %h", hp, hw, hm, hs, hl, count);
      if (rc != 6 || hp != TopkParallelism || hw != ScoreW || hm != MaxN || hs != ModSteps || hl != TopkLfsrSeed) begin
        $display("FAIL %s was written for TopkParallelism=%0d ScoreW=%0d MaxN=%0d ModSteps=%0d TopkLfsrSeed=%h; this is TopkParallelism=%0d ScoreW=%0d MaxN=%0d ModSteps=%0d TopkLfsrSeed=%h",
                 vec_file, hp, hw, hm, hs, hl, TopkParallelism, ScoreW, MaxN, ModSteps, TopkLfsrSeed);
        $fatal(1);
      end
      rst_n = 1'b0;
      repeat (3) @(negedge clk);
      rst_n = 1'b1;

      for (vec = 0; vec < count; vec = vec + 1) begin
        rc = $fscanf(fv, "%h %h", n, k);
        if (rc != 2 || n > MaxN) begin
          $display("FAIL %s: bad vector header at vector %0d", vec_file, vec);
          $fatal(1);
        end
        for (i = 0; i < n; i = i + 1) rc = $fscanf(fv, "%h", scores[i]);
        rc = $fscanf(fv, "%h %h %h", want_cnt, want_lfsr, want_done);
        if (rc != 3) begin
          $display("FAIL %s: bad expected outputs at vector %0d", vec_file, vec);
          $fatal(1);
        end
        for (i = 0; i < want_cnt; i = i + 1) rc = $fscanf(fv, "%h", want_idx[i]);

        run_one();

        if (fo != 0 && bp == 0) begin
          $fwrite(fo, "%0h %0h %0h\n", got_cnt, lfsr, got_done);
          for (i = 0; i < got_cnt && i <= MaxN; i = i + 1) $fwrite(fo, "%0h\n", got_idx[i]);
        end
        for (i = 0; i < want_cnt || i < got_cnt; i = i + 1) begin
          if (i >= want_cnt || i >= got_cnt || i > MaxN || want_idx[i] != got_idx[i]) begin
            // -1 stands for "no index here" (the other side emitted more).
            $display("FAIL run %0d vector %0d n %0d k %0d: first differing output beat %0d: expected %0d, got %0d (%0d expected, %0d emitted)",
                     bp, vec, n, k, i, (i < want_cnt) ? $signed({1'b0, want_idx[i]}) : -1,
                     (i < got_cnt && i <= MaxN) ? $signed({1'b0, got_idx[i]}) : -1, want_cnt, got_cnt);
            $fatal(1);
          end
        end
        if (!last_ok) begin
          $display("FAIL run %0d vector %0d n %0d k %0d: out_last_o not exactly on the last index", bp, vec, n, k);
          $fatal(1);
        end
        if (lfsr != want_lfsr[15:0]) begin
          $display("FAIL run %0d vector %0d n %0d k %0d: LFSR %h, expected %h", bp, vec, n, k, lfsr, want_lfsr[15:0]);
          $fatal(1);
        end
        if (bp == 0 && got_done != want_done) begin
          $display("FAIL run %0d vector %0d n %0d k %0d: done after %0d cycles, formula %0d", bp, vec, n, k, got_done,
                   want_done);
          $fatal(1);
        end
      end
      $fclose(fv);
    end
  endtask

  initial begin
    if (!$value$plusargs("vectors=%s", vec_file)) vec_file = "topk_engine_vectors.txt";
    if (!$value$plusargs("seed=%d", seed)) seed = 1;
    fo = 0;
    if ($value$plusargs("out=%s", out_file)) fo = $fopen(out_file, "w");
    $display("topk_engine_iverilog_tb: %s, TopkParallelism=%0d ScoreW=%0d MaxN=%0d ModSteps=%0d, seed %0d", vec_file, TopkParallelism, ScoreW,
             MaxN, ModSteps, seed);
    bp = 0;
    run_file();
    bp = 1;
    run_file();
    if (fo != 0) $fclose(fo);
    $display("PASS %0d vectors (cycle-exact without back-pressure, then with random back-pressure)", count);
    $finish;
  end
endmodule

// What the Icarus block testbenches that replay a Verilator harness's vector file share
// (pv_lanes, qk_lanes, softmax_unit): the clock, the plusargs, the two readers of the file (the
// driver's and the checker's), the seeded valid/ready coin, and the end of the run. Included
// inside the testbench module, after its clk_i and rst_ni.
//
// The including testbench provides drv_have and drv_fetch() (or, with REPLAY_OWN_ADVANCE defined,
// drv_advance(taken)).
//
// Plusargs: +vectors=FILE (required), +seed=N (default 1), +valid_pct=P, +ready_pct=P
// (default 70 / 60).

  always #5 clk_i = ~clk_i;

  reg [8*1024-1:0] path;
  integer fd_drv, fd_chk;            // the driver's and the checker's position in the file
  integer seed, seed0;               // $random(seed) advances seed; failures print seed0
  integer valid_pct, ready_pct, rc;
  integer cycles, idle_cycles;       // since reset; since the last output beat

  reg drv_hold;   // the driver's valid: raised and not yet taken (it must not drop before the handshake)
  reg drv_valid;  // replay_drive's result: the valid to drive from this edge on

  // Reads the plusargs and opens the file twice; stops the run with FAIL if it cannot.
  task automatic replay_open;
    if (!$value$plusargs("vectors=%s", path)) begin
      $display("FAIL: +vectors=FILE missing");
      $finish;
    end
    if (!$value$plusargs("seed=%d", seed)) seed = 1;
    seed0 = seed;
    if (!$value$plusargs("valid_pct=%d", valid_pct)) valid_pct = 70;
    if (!$value$plusargs("ready_pct=%d", ready_pct)) ready_pct = 60;
    $display("seed %0d valid_pct %0d ready_pct %0d vectors %0s", seed0, valid_pct, ready_pct, path);
    fd_drv = $fopen(path, "r");
    fd_chk = $fopen(path, "r");
    if (fd_drv == 0 || fd_chk == 0) begin
      $display("FAIL: cannot open %0s", path);
      $finish;
    end
    cycles = 0;
    idle_cycles = 0;
    drv_hold = 1'b0;
  endtask

  // Three cycles of reset, then released (after the driver and checker have read ahead).
  task automatic replay_reset;
    repeat (3) @(posedge clk_i);
    rst_ni <= 1'b1;
  endtask

  // True with probability pct/100, from the seeded stream.
  function automatic bit replay_coin(input integer pct);
    return ($unsigned($random(seed)) % 100) < pct;
  endfunction

  // The driver, once per cycle on the rising edge: a taken beat lowers valid and drv_advance(taken)
  // moves on (setting drv_have when it holds a beat); then a waiting beat raises valid with
  // probability valid_pct. `valid` is what to drive next.
`ifndef REPLAY_OWN_ADVANCE
  // The usual driver step: the including testbench's drv_fetch() reads the next beat once one is
  // taken. A testbench with another rule defines REPLAY_OWN_ADVANCE and its own drv_advance.
  task automatic drv_advance(input bit taken);
    if (taken) drv_fetch();
  endtask
`endif

  task automatic replay_drive(input bit taken, output bit valid);
    cycles = cycles + 1;
    if (taken) drv_hold = 1'b0;
    drv_advance(taken);
    if (!drv_hold) drv_hold = drv_have && replay_coin(valid_pct);
    valid = drv_hold;
  endtask

  // The checker, at every output beat taken: FAIL if the file has no beat left for it.
  task automatic replay_out_beat(input bit more, input string unit);
    idle_cycles = 0;
    if (!more) begin
      $display("FAIL: output beat after the last %0s", unit);
      $finish;
    end
  endtask

  // Once per cycle after the checker (beat_out: an output beat was taken this cycle): PASS when the
  // file is checked to its end and the outputs have stayed quiet for 64 cycles; FAIL if no output
  // beat came for 100,000 cycles.
  task automatic replay_end(input bit beat_out, input bit more, input integer done, input string unit);
    if (!beat_out) idle_cycles = idle_cycles + 1;
    if (!more && idle_cycles > 64) begin
      $display("PASS %0d vectors (%0d cycles)", done, cycles);
      $finish;
    end
    if (idle_cycles > 100000) begin
      $display("FAIL: timeout after %0d %0s, %0d cycles", done, unit, cycles);
      $finish;
    end
  endtask

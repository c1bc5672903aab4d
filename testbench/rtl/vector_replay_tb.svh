// What the Icarus block testbenches that replay a Verilator harness's vector file share
// (pv_lanes, qk_lanes, softmax_unit): the clock, the plusargs, the two readers of the file (the
// driver's and the checker's), the seeded valid/ready coin, and the end of the run. Included
// inside the testbench module, after its clk_i and rst_ni.
//
// Plusargs: +vectors=FILE (required), +seed=N (default 1), +valid_pct=P, +ready_pct=P
// (default 70 / 60).

  always #5 clk_i = ~clk_i;

  reg [8*1024-1:0] path;
  integer fd_drv, fd_chk;            // the driver's and the checker's position in the file
  integer seed, seed0;               // $random(seed) advances seed; failures print seed0
  integer valid_pct, ready_pct, rc;
  integer cycles, idle_cycles;       // since reset; since the last output beat

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

  // Once per cycle after the checker: PASS when the file is checked to its end and the outputs
  // have stayed quiet for 64 cycles; FAIL if no output beat came for 100,000 cycles.
  task automatic replay_end(input bit more, input integer done, input string unit);
    if (!more && idle_cycles > 64) begin
      $display("PASS %0d vectors (%0d cycles)", done, cycles);
      $finish;
    end
    if (idle_cycles > 100000) begin
      $display("FAIL: timeout after %0d %0s, %0d cycles", done, unit, cycles);
      $finish;
    end
  endtask

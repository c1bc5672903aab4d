// libsystemc's own main() calls sc_main; a block harness has GoogleTest's main and never starts
// the kernel (systemc_mirror.hpp), so this is never called.
#include <systemc>

#include <iostream>

int sc_main(int, char*[]) {
  std::cerr << "block harness: sc_main is not an entry point\n";
  return 1;
}

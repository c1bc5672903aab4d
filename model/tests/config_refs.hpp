// Configurations the tests name besides the presets. The duo preset names DuoAttention's head
// pattern for Llama-3.1-8B (32 layers x 8 KV heads) and refuses traces of another shape; the
// tests' synthetic traces are smaller, so they run duo's documented hash fallback,
// configs/duo/duo_hash.yaml, by its name duo_hash (docs/policy.md, "duo").
#pragma once

#include <filesystem>
#include <string>

#include "sinkattn/config.hpp"

namespace sinkattn::testing {

// configs/duo/duo_hash.yaml, next to the preset directory the loader reads.
inline std::string duo_hash_config() {
  return (std::filesystem::path(presets_dir()).parent_path() / "duo" / "duo_hash.yaml").string();
}

// What load_config takes for a name in a test's preset list: a preset's name, or duo_hash.
inline std::string config_ref(const std::string& name) { return name == "duo_hash" ? duo_hash_config() : name; }

}  // namespace sinkattn::testing

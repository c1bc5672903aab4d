// Input errors that the user can fix: every one names the file, the field and the reason.
#pragma once

#include <stdexcept>
#include <string>

namespace sinkattn {

// Thrown for bad user input (configuration, trace, sweep file, CLI flag). The CLI prints
// what() and exits with status 2; nothing is clamped or guessed.
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string field, std::string reason)
      : std::runtime_error(format(file, field, reason)),
        file_(std::move(file)),
        field_(std::move(field)),
        reason_(std::move(reason)) {}

  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  const std::string& reason() const { return reason_; }

 private:
  static std::string format(const std::string& file, const std::string& field,
                            const std::string& reason) {
    std::string s = file.empty() ? std::string("<input>") : file;
    if (!field.empty()) s += ": " + field;
    return s + ": " + reason;
  }
  std::string file_, field_, reason_;
};

}  // namespace sinkattn

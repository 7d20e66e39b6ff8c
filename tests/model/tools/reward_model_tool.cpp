// Test-only command-line driver of r1forge's reward model, used by
// tests/python/check_reward_model_interop.py to check folders saved here against transformers.
//
//   reward_model_tool init CAUSAL_LM_DIR OUT_DIR SEED PAD   reward_model_from_causal_lm + save
//   reward_model_tool resave IN_DIR OUT_DIR DTYPE            load_reward_model + save as DTYPE
//   reward_model_tool score DIR IN.json OUT.json [DTYPE]     IN {"input_ids": [[..]],
//                 "attention_mask": [[..]]} -> OUT {"scores": [..]}, computed in DTYPE (float32)
// Not part of the r1forge binary; exits 1 with the error message on any failure.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/model/reward_model_io.h"

namespace {

using namespace r1forge;

at::Tensor int_matrix(const nlohmann::json& rows) {
  std::vector<int64_t> flat;
  for (const auto& row : rows) {
    for (const auto& value : row) flat.push_back(value.get<int64_t>());
  }
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(rows.size()), -1});
}

void score(const std::string& folder,
           const std::string& input,
           const std::string& output,
           const std::string& dtype) {
  ModelLoadOptions options;
  options.dtype = parse_dtype_name(dtype);
  RewardModel model = load_reward_model(folder, options);
  const nlohmann::json request = read_json_file(input);
  at::Tensor mask;
  if (request.contains("attention_mask")) mask = int_matrix(request.at("attention_mask"));
  at::NoGradGuard no_grad;
  at::Tensor scores = model->forward(int_matrix(request.at("input_ids")), mask).to(at::kDouble);
  std::vector<double> values(scores.data_ptr<double>(), scores.data_ptr<double>() + scores.numel());
  atomic_write_file(output, nlohmann::json{{"scores", values}}.dump() + "\n");
}

int run(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "init" && argc == 6) {
    RewardModelInitOptions init;
    init.seed = std::stoull(argv[4]);
    init.pad_token_id = std::stoll(argv[5]);
    RewardModel model = reward_model_from_causal_lm(argv[2], init);
    save_reward_model(model, argv[3]);
  } else if (command == "resave" && argc == 5) {
    RewardModel model = load_reward_model(argv[2]);
    ModelSaveOptions options;
    options.dtype = parse_dtype_name(argv[4]);
    save_reward_model(model, argv[3], options);
  } else if (command == "score" && (argc == 5 || argc == 6)) {
    score(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : "float32");
  } else {
    std::cerr << "usage: reward_model_tool init CAUSAL_LM_DIR OUT_DIR SEED PAD | "
                 "resave IN_DIR OUT_DIR DTYPE | score DIR IN.json OUT.json [DTYPE]\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const r1forge::Error& error) {
    std::cerr << "reward_model_tool: " << error.what() << "\n";
    return 1;
  }
}

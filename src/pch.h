// Precompiled header for r1forge_lib and the binary: the torch headers every model/tensor file
// needs. Keep it to torch (slow to parse, never edited); project headers stay out of it.
#pragma once
#include <ATen/ATen.h>
#include <torch/autograd.h>
#include <torch/nn/module.h>

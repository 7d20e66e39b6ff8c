// safetensors file reader (mmap) and writer (streamed, atomic); see
// include/r1forge/model/safetensors.h.
#include "r1forge/model/safetensors.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"

// Tensor bytes are copied between the file and memory unchanged; that is only right when the
// host's byte order is the file's (little-endian).
static_assert(std::endian::native == std::endian::little,
              "r1forge's safetensors I/O assumes a little-endian host");

namespace r1forge::safetensors {
namespace {

struct DtypePair {
  Dtype dtype;
  at::ScalarType scalar_type;
};

// F4 and the F6 formats have no LibTorch equivalent (kFloat4_e2m1fn_x2 packs two values per
// element, a different shape), so they are absent here.
constexpr std::array<DtypePair, 19> kDtypePairs = {{
    {Dtype::BOOL, at::kBool},
    {Dtype::U8, at::kByte},
    {Dtype::I8, at::kChar},
    {Dtype::F8_E5M2, at::kFloat8_e5m2},
    {Dtype::F8_E4M3, at::kFloat8_e4m3fn},
    {Dtype::F8_E8M0, at::kFloat8_e8m0fnu},
    {Dtype::F8_E4M3FNUZ, at::kFloat8_e4m3fnuz},
    {Dtype::F8_E5M2FNUZ, at::kFloat8_e5m2fnuz},
    {Dtype::I16, at::kShort},
    {Dtype::U16, at::kUInt16},
    {Dtype::F16, at::kHalf},
    {Dtype::BF16, at::kBFloat16},
    {Dtype::I32, at::kInt},
    {Dtype::U32, at::kUInt32},
    {Dtype::F32, at::kFloat},
    {Dtype::C64, at::kComplexFloat},
    {Dtype::F64, at::kDouble},
    {Dtype::I64, at::kLong},
    {Dtype::U64, at::kUInt64},
}};

std::string errno_text() {
  return std::strerror(errno);
}

// One tensor to write, with its place in the data buffer.
struct PlannedTensor {
  TensorInfo info;
  const at::Tensor* tensor = nullptr;
};

std::vector<PlannedTensor> plan_layout(
    const std::filesystem::path& path,
    const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  std::set<std::string_view> seen;
  std::vector<PlannedTensor> plan;
  plan.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const auto where = detail::concat(path, ": cannot save tensor '", name, "'");
    R1F_CHECK_DATA(seen.insert(name).second, where, ": duplicate tensor name");
    R1F_CHECK_DATA(name != "__metadata__", where, ": the name is reserved by safetensors");
    R1F_CHECK_DATA(tensor.defined(), where, ": the tensor is undefined");
    R1F_CHECK_DATA(tensor.layout() == at::kStrided, where, ": only dense tensors can be saved");
    auto dtype = from_scalar_type(tensor.scalar_type());
    R1F_CHECK_DATA(dtype.has_value(), where, ": dtype ", tensor.scalar_type(),
                   " has no safetensors equivalent");
    PlannedTensor planned;
    planned.info.name = name;
    planned.info.dtype = *dtype;
    planned.info.shape = tensor.sizes().vec();
    planned.tensor = &tensor;
    plan.push_back(std::move(planned));
  }
  // The reference writer's order: largest alignment first, then name (byte-wise).
  std::sort(plan.begin(), plan.end(), [](const PlannedTensor& a, const PlannedTensor& b) {
    if (a.info.dtype != b.info.dtype) return a.info.dtype > b.info.dtype;
    return a.info.name < b.info.name;
  });
  uint64_t offset = 0;
  for (auto& planned : plan) {
    planned.info.begin = offset;
    offset += static_cast<uint64_t>(planned.tensor->numel()) *
              static_cast<uint64_t>(dtype_bits(planned.info.dtype) / 8);
    planned.info.end = offset;
  }
  return plan;
}

}  // namespace

std::optional<at::ScalarType> to_scalar_type(Dtype dtype) {
  for (const auto& pair : kDtypePairs) {
    if (pair.dtype == dtype) return pair.scalar_type;
  }
  return std::nullopt;
}

std::optional<Dtype> from_scalar_type(at::ScalarType type) {
  for (const auto& pair : kDtypePairs) {
    if (pair.scalar_type == type) return pair.dtype;
  }
  return std::nullopt;
}

// ---- reader -----------------------------------------------------------------------------------

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  R1F_CHECK_IO(fd >= 0, "cannot open safetensors file ", path, ": ", errno_text());
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    R1F_THROW(IoError, "cannot read safetensors file ", path, ": not a regular file");
  }
  const auto file_size = static_cast<uint64_t>(status.st_size);
  if (file_size > 0) {
    // MAP_PRIVATE + PROT_READ: nothing this process does can reach the file.
    void* mapping = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
      const std::string reason = errno_text();
      ::close(fd);
      R1F_THROW(IoError, "cannot map safetensors file ", path, ": ", reason);
    }
    mapping_ = static_cast<const uint8_t*>(mapping);
    mapping_size_ = file_size;
  }
  ::close(fd);  // the mapping stays valid without the descriptor
  try {
    header_ = parse_header(mapping_, mapping_size_, file_size, path.string());
  } catch (...) {
    unmap();
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  unmap();
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& other) noexcept
    : path_(std::move(other.path_)),
      header_(std::move(other.header_)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_size_(std::exchange(other.mapping_size_, 0)) {}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    header_ = std::move(other.header_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapping_size_ = std::exchange(other.mapping_size_, 0);
  }
  return *this;
}

void SafetensorsFile::unmap() {
  if (mapping_ != nullptr) ::munmap(const_cast<uint8_t*>(mapping_), mapping_size_);
  mapping_ = nullptr;
  mapping_size_ = 0;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> names;
  names.reserve(header_.tensors.size());
  for (const auto& info : header_.tensors) names.push_back(info.name);
  return names;
}

const TensorInfo& SafetensorsFile::info(std::string_view name) const {
  const TensorInfo* found = header_.find(name);
  R1F_CHECK_DATA(found != nullptr, path_, ": no tensor named '", name, "'");
  return *found;
}

std::string_view SafetensorsFile::raw_bytes(std::string_view name) const {
  const TensorInfo& found = info(name);
  if (found.byte_size() == 0) return {};
  const auto* start = mapping_ + header_.data_offset() + found.begin;
  return {reinterpret_cast<const char*>(start), found.byte_size()};
}

at::Tensor SafetensorsFile::tensor(std::string_view name) const {
  const TensorInfo& found = info(name);
  auto scalar_type = to_scalar_type(found.dtype);
  R1F_CHECK_IO(scalar_type.has_value(), path_, ": tensor '", name, "' has dtype ",
               dtype_name(found.dtype), ", which LibTorch cannot represent");
  at::Tensor out = at::empty(found.shape, at::TensorOptions().dtype(*scalar_type));
  R1F_CHECK(static_cast<uint64_t>(out.nbytes()) == found.byte_size(), "size mismatch for ", name);
  std::string_view bytes = raw_bytes(name);
  if (!bytes.empty()) std::memcpy(out.data_ptr(), bytes.data(), bytes.size());
  return out;
}

at::Tensor SafetensorsFile::tensor(std::string_view name, at::ScalarType target) const {
  return tensor(name).to(target);
}

// ---- writer -----------------------------------------------------------------------------------

void save_file(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, at::Tensor>>& tensors,
               const std::map<std::string, std::string>& metadata) {
  std::vector<PlannedTensor> plan = plan_layout(path, tensors);
  std::map<std::string, std::string> full_metadata = metadata;
  full_metadata.emplace("format", "pt");  // transformers refuses files without a format
  std::vector<TensorInfo> infos;
  infos.reserve(plan.size());
  for (const auto& planned : plan) infos.push_back(planned.info);
  std::string header;
  try {
    header = build_header_json(full_metadata, infos);
  } catch (const DataError& error) {
    R1F_THROW(DataError, path, ": ", error.what());
  }

  AtomicFileWriter writer(path);
  std::array<uint8_t, 8> length_bytes{};
  for (size_t i = 0; i < 8; ++i) length_bytes[i] = static_cast<uint8_t>(header.size() >> (8 * i));
  writer.write(length_bytes.data(), length_bytes.size());
  writer.write(header);
  for (const auto& planned : plan) {
    at::Tensor cpu;
    try {
      // One tensor at a time on CPU: peak extra memory is the largest tensor, not the file.
      cpu = planned.tensor->detach().to(at::kCPU).resolve_conj().resolve_neg().contiguous();
    } catch (const c10::Error& error) {
      R1F_THROW(IoError, path, ": cannot save tensor '", planned.info.name,
                "': copying it to CPU failed: ", error.what_without_backtrace());
    }
    R1F_CHECK(static_cast<uint64_t>(cpu.nbytes()) == planned.info.byte_size(),
              "byte size changed for ", planned.info.name);
    if (cpu.nbytes() > 0) writer.write(cpu.data_ptr(), cpu.nbytes());
  }
  writer.commit();
}

}  // namespace r1forge::safetensors

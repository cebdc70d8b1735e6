// Sparse and image-file block stores (see block_store.h).
#include "models/disk/block_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "models/disk/disk_config.h"

namespace ddisim::models {

sparse_block_store::sparse_block_store(std::uint64_t size, std::uint64_t chunk) : size_(size), chunk_(chunk) {
    if (chunk_ == 0) throw std::invalid_argument("sparse_block_store: chunk size 0");
}

bool sparse_block_store::read(std::uint64_t offset, std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        std::uint64_t pos = offset + done;
        std::uint64_t idx = pos / chunk_, in = pos % chunk_;
        std::size_t n = std::size_t(std::min<std::uint64_t>(chunk_ - in, out.size() - done));
        auto it = map_.find(idx);
        if (it == map_.end()) std::memset(out.data() + done, 0, n);
        else std::memcpy(out.data() + done, it->second.get() + in, n);
        done += n;
    }
    return true;
}

bool sparse_block_store::write(std::uint64_t offset, std::span<const std::uint8_t> in) {
    std::size_t done = 0;
    while (done < in.size()) {
        std::uint64_t pos = offset + done;
        std::uint64_t idx = pos / chunk_, at = pos % chunk_;
        std::size_t n = std::size_t(std::min<std::uint64_t>(chunk_ - at, in.size() - done));
        const std::uint8_t* src = in.data() + done;
        bool zero = std::all_of(src, src + n, [](std::uint8_t b) { return b == 0; });
        auto it = map_.find(idx);
        if (it == map_.end()) {
            // Zeros over an absent chunk change nothing: stay sparse.
            if (!zero) {
                auto buf = std::make_unique<std::uint8_t[]>(chunk_);  // value-initialised: zeros
                std::memcpy(buf.get() + at, src, n);
                map_.emplace(idx, std::move(buf));
            }
        } else if (zero && n == chunk_) {
            map_.erase(it);  // a whole chunk of zeros: give the memory back
        } else {
            std::memcpy(it->second.get() + at, src, n);
        }
        done += n;
    }
    return true;
}

std::uint64_t sparse_block_store::resident_bytes() const {
    // Payload + per-node overhead (node with key, pointer, next, hash) + buckets.
    constexpr std::uint64_t node_overhead = 32 + 16;
    return map_.size() * (chunk_ + node_overhead) + map_.bucket_count() * sizeof(void*);
}

image_block_store::image_block_store(const std::string& path, bool writable, std::uint64_t expected_size,
                                     std::uint64_t block_size)
    : writable_(writable) {
    fd_ = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd_ < 0)
        throw std::runtime_error("disk image '" + path + "': cannot open " + (writable ? "read-write" : "read-only") +
                                 ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        int e = errno;
        ::close(fd_);
        throw std::runtime_error("disk image '" + path + "': " + std::strerror(e));
    }
    std::uint64_t fsize = std::uint64_t(st.st_size);
    auto fail = [&](const std::string& why) {
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("disk image '" + path + "': " + why);
    };
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) fail("not a regular file");
    if (fsize == 0) fail("the file is empty");
    if (fsize % block_size != 0)
        fail("its size " + std::to_string(fsize) + " bytes is not a multiple of the block size " +
             std::to_string(block_size));
    if (expected_size != 0 && expected_size != fsize)
        fail("its size " + std::to_string(fsize) + " bytes differs from the configured capacity " +
             std::to_string(expected_size) + " bytes (set capacity to 0 to use the image's size)");
    size_ = fsize;
}

image_block_store::~image_block_store() {
    if (fd_ >= 0) ::close(fd_);
}

bool image_block_store::read(std::uint64_t offset, std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, off_t(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += std::size_t(n);
    }
    return true;
}

bool image_block_store::write(std::uint64_t offset, std::span<const std::uint8_t> in) {
    if (!writable_) return false;
    std::size_t done = 0;
    while (done < in.size()) {
        ssize_t n = ::pwrite(fd_, in.data() + done, in.size() - done, off_t(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += std::size_t(n);
    }
    return true;
}

bool image_block_store::flush() { return !writable_ || ::fdatasync(fd_) == 0; }

std::unique_ptr<block_store> make_block_store(const disk_config& cfg) {
    if (cfg.image.empty()) return std::make_unique<sparse_block_store>(cfg.capacity);
    return std::make_unique<image_block_store>(cfg.image, cfg.writable, cfg.capacity, cfg.block_size);
}

} // namespace ddisim::models

#include "tlm/core/backing_store.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ddisim::tlm {

namespace {
[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("backing_store: ") + what + ": " + std::strerror(errno));
}
} // namespace

backing_store::backing_store(std::uint64_t size, const std::string& name)
    : size_((size + page_size - 1) & ~(page_size - 1)) {
    if (size_ == 0) throw std::invalid_argument("backing_store: size must be > 0");
    fd_ = ::memfd_create(name.c_str(), MFD_CLOEXEC);
    if (fd_ < 0) fail("memfd_create");
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) fail("ftruncate");
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd_, 0);
    if (p == MAP_FAILED) fail("mmap");
    base_ = static_cast<std::uint8_t*>(p);
}

backing_store::~backing_store() {
    if (base_) ::munmap(base_, size_);
    if (fd_ >= 0) ::close(fd_);
}

std::uint8_t* backing_store::map_pages(std::span<const std::uint64_t> pages) {
    if (pages.empty()) return nullptr;
    const std::size_t len = pages.size() * page_size;
    // Reserve a contiguous range, then put each physical page in its slot.
    void* r = ::mmap(nullptr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) fail("mmap reserve");
    auto* va = static_cast<std::uint8_t*>(r);
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const std::uint64_t pa = pages[i];
        if ((pa & (page_size - 1)) != 0 || !contains(pa, page_size)) {
            ::munmap(r, len);
            throw std::out_of_range("backing_store::map_pages: bad physical page");
        }
        void* q = ::mmap(va + i * page_size, page_size, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_FIXED, fd_, static_cast<off_t>(pa));
        if (q == MAP_FAILED) {
            ::munmap(r, len);
            fail("mmap page");
        }
    }
    return va;
}

void backing_store::unmap_pages(std::uint8_t* va, std::size_t npages) {
    if (va && npages) ::munmap(va, npages * page_size);
}

std::uint64_t backing_store::resident_bytes() const {
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return 0;
    return static_cast<std::uint64_t>(st.st_blocks) * 512u;
}

} // namespace ddisim::tlm

// ddisim::tlm::backing_store — the bytes of modelled physical memory.
//
// One memfd holds the whole physical address space (up to tens of GiB) as a
// sparse file: host RAM is committed only for pages that are touched. The DRAM
// model reads and writes it through data(); the simulated kernel builds kernel
// virtual addresses by mapping chosen physical pages of the same memfd into a
// contiguous host range (map_pages), so a driver's pointer and a device's DMA
// see the same bytes, as on real hardware. Plain C++, no SystemC.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace ddisim::tlm {

class backing_store {
public:
    static constexpr std::uint64_t page_size = 4096;

    // size: bytes of physical address space (rounded up to a page).
    explicit backing_store(std::uint64_t size, const std::string& name = "ddisim-dram");
    ~backing_store();
    backing_store(const backing_store&) = delete;
    backing_store& operator=(const backing_store&) = delete;

    std::uint64_t size() const { return size_; }
    // Host pointer to physical address 0; [data(), data()+size()) is valid.
    std::uint8_t* data() const { return base_; }
    bool contains(std::uint64_t pa, std::uint64_t len) const {
        return len <= size_ && pa <= size_ - len;
    }

    // Maps the given physical pages (page-aligned addresses, in order) into one
    // contiguous host range; returns its start. Unmap with unmap_pages.
    std::uint8_t* map_pages(std::span<const std::uint64_t> page_addrs);
    void unmap_pages(std::uint8_t* va, std::size_t npages);

    // Bytes of host memory currently committed (resident) for this store.
    std::uint64_t resident_bytes() const;

private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint8_t* base_ = nullptr;
};

} // namespace ddisim::tlm

// Register access: ddi_regs_map_setup / ddi_regs_map_free, ddi_get/put 8..64
// and ddi_rep_get/put 8..64 (docs/ddi.md, "Register access").
//
// A mapping does not produce host memory: the address handed to the driver
// is an opaque device address, 0x4000'0000'0000'0000 | physical address (a
// non-canonical x86-64 address, so a stray dereference faults on the host
// instead of reading something plausible). Every access turns that address
// back into a physical one and becomes one platform_port bus_read/bus_write
// of the access width, i.e. a timed CPU transaction on the bus.
//
// ddi_acc_handle_t is shared with ddi_dma_mem_alloc. A register handle
// starts with a 64-bit tag no pointer can equal; any other handle is a DMA
// memory handle, whose addresses are real kernel VAs, accessed directly.
#include "sw/kernel/kernel.h"

#include <sys/sunddi.h>

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <memory>

using ddisim::kernel::kernel_context;

namespace ddisim::ddi {
namespace {

constexpr std::uint64_t regs_tag = 0x5245'4753'4143'4331ull; // "REGSACC1", non-canonical as a pointer
constexpr std::uintptr_t dev_space = std::uintptr_t{1} << 62;

struct regs_handle {
    std::uint64_t tag = regs_tag; // first: tells register from DMA-memory handles
    kernel_context* k = nullptr;
    dev_info* dip = nullptr;
    std::uint64_t pa = 0;         // physical address of the mapping's first byte
    std::uint64_t len = 0;
    std::uintptr_t dev_base = 0;  // device address returned in *addrp
    bool swap = false;            // DDI_STRUCTURE_BE_ACC: byte-swap every access
};

regs_handle* as_regs(ddi_acc_handle_t h) {
    if (!h) return nullptr;
    std::uint64_t tag = 0;
    std::memcpy(&tag, static_cast<const void*>(h), sizeof tag);
    return tag == regs_tag ? reinterpret_cast<regs_handle*>(h) : nullptr;
}

template <class T> T bswap(T v) {
    if constexpr (sizeof(T) == 1)
        return v;
    else if constexpr (sizeof(T) == 2)
        return static_cast<T>(__builtin_bswap16(v));
    else if constexpr (sizeof(T) == 4)
        return static_cast<T>(__builtin_bswap32(v));
    else
        return static_cast<T>(__builtin_bswap64(v));
}

// Physical address of a device address inside the mapping, or panics: an
// access outside the mapping is a driver bug that would fault on hardware.
template <class T> bool to_pa(regs_handle& r, const T* addr, std::uint64_t& pa) {
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    if (a < r.dev_base || a - r.dev_base > r.len || r.len - (a - r.dev_base) < sizeof(T))
        r.k->panic(fmt::format("{}: {}-byte register access at device address {:#x} outside its mapping "
                               "[{:#x}, +{:#x})",
                               kernel_context::dev_name(r.dip), sizeof(T), a, r.dev_base, r.len));
    pa = r.pa + (a - r.dev_base);
    return r.k->platform() != nullptr;
}

template <class T> T get(ddi_acc_handle_t h, T* addr) {
    if (regs_handle* r = as_regs(h)) {
        std::uint64_t pa;
        T v{};
        if (!to_pa(*r, addr, pa)) return v; // platform removed: reads as 0
        r->k->platform()->bus_read(pa, &v, sizeof v);
        return r->swap ? bswap(v) : v;
    }
    T v;
    std::memcpy(&v, addr, sizeof v); // DMA memory: a kernel VA
    return v;
}

template <class T> void put(ddi_acc_handle_t h, T* addr, T v) {
    if (regs_handle* r = as_regs(h)) {
        std::uint64_t pa;
        if (!to_pa(*r, addr, pa)) return;
        if (r->swap) v = bswap(v);
        r->k->platform()->bus_write(pa, &v, sizeof v);
        return;
    }
    std::memcpy(addr, &v, sizeof v);
}

template <class T> void rep_get(ddi_acc_handle_t h, T* host, T* dev, size_t n, uint_t flags) {
    for (size_t i = 0; i < n; ++i) host[i] = get(h, flags == DDI_DEV_AUTOINCR ? dev + i : dev);
}

template <class T> void rep_put(ddi_acc_handle_t h, T* host, T* dev, size_t n, uint_t flags) {
    for (size_t i = 0; i < n; ++i) put(h, flags == DDI_DEV_AUTOINCR ? dev + i : dev, host[i]);
}

} // namespace
} // namespace ddisim::ddi

namespace ddi = ddisim::ddi;

extern "C" int ddi_regs_map_setup(dev_info_t* dip, uint_t rnumber, caddr_t* addrp, offset_t offset, offset_t len,
                                  const ddi_device_acc_attr_t* accattrp, ddi_acc_handle_t* handlep) {
    if (!dip || !addrp || !handlep || !accattrp) return DDI_ME_INVAL;
    kernel_context* k = dip->kernel;
    if (!k || !k->platform()) return DDI_FAILURE; // nothing to reach registers through
    if (rnumber >= dip->regs.size()) return DDI_ME_RNUMBER_RANGE;
    const auto& rs = dip->regs[rnumber];
    if (offset < 0 || len < 0) return DDI_ME_INVAL;
    const auto off = static_cast<std::uint64_t>(offset);
    if (off >= rs.size) return DDI_ME_INVAL;
    const std::uint64_t n = len == 0 ? rs.size - off : static_cast<std::uint64_t>(len);
    if (n > rs.size - off) return DDI_ME_INVAL;
    const std::uint64_t pa = rs.base + off;
    if (pa >= ddi::dev_space || n > ddi::dev_space - pa) return DDI_ME_INVAL;
    switch (accattrp->devacc_attr_endian_flags) {
    case DDI_NEVERSWAP_ACC:
    case DDI_STRUCTURE_LE_ACC:
    case DDI_STRUCTURE_BE_ACC:
        break;
    default:
        return DDI_ME_INVAL;
    }
    auto r = std::make_unique<ddi::regs_handle>();
    r->k = k;
    r->dip = dip;
    r->pa = pa;
    r->len = n;
    r->dev_base = ddi::dev_space | pa;
    // The simulated CPU is little-endian: LE and NEVERSWAP are native.
    r->swap = accattrp->devacc_attr_endian_flags == DDI_STRUCTURE_BE_ACC &&
              std::endian::native == std::endian::little;
    *addrp = reinterpret_cast<caddr_t>(r->dev_base);
    *handlep = reinterpret_cast<ddi_acc_handle_t>(r.release());
    return DDI_SUCCESS;
}

extern "C" void ddi_regs_map_free(ddi_acc_handle_t* handlep) {
    if (!handlep) return;
    ddi::regs_handle* r = ddi::as_regs(*handlep);
    if (!r) return; // not a register mapping (e.g. a ddi_dma_mem_alloc handle): left alone
    delete r;
    *handlep = nullptr;
}

extern "C" int ddi_dev_nregs(dev_info_t* dip, int* resultp) {
    if (!dip || !resultp) return DDI_FAILURE;
    *resultp = static_cast<int>(dip->regs.size());
    return DDI_SUCCESS;
}

extern "C" int ddi_dev_regsize(dev_info_t* dip, uint_t rnumber, off_t* resultp) {
    if (!dip || !resultp || rnumber >= dip->regs.size()) return DDI_FAILURE;
    *resultp = static_cast<off_t>(dip->regs[rnumber].size);
    return DDI_SUCCESS;
}

extern "C" uint8_t ddi_get8(ddi_acc_handle_t h, uint8_t* a) { return ddi::get(h, a); }
extern "C" uint16_t ddi_get16(ddi_acc_handle_t h, uint16_t* a) { return ddi::get(h, a); }
extern "C" uint32_t ddi_get32(ddi_acc_handle_t h, uint32_t* a) { return ddi::get(h, a); }
extern "C" uint64_t ddi_get64(ddi_acc_handle_t h, uint64_t* a) { return ddi::get(h, a); }
extern "C" void ddi_put8(ddi_acc_handle_t h, uint8_t* a, uint8_t v) { ddi::put(h, a, v); }
extern "C" void ddi_put16(ddi_acc_handle_t h, uint16_t* a, uint16_t v) { ddi::put(h, a, v); }
extern "C" void ddi_put32(ddi_acc_handle_t h, uint32_t* a, uint32_t v) { ddi::put(h, a, v); }
extern "C" void ddi_put64(ddi_acc_handle_t h, uint64_t* a, uint64_t v) { ddi::put(h, a, v); }

extern "C" void ddi_rep_get8(ddi_acc_handle_t h, uint8_t* host, uint8_t* dev, size_t n, uint_t f) {
    ddi::rep_get(h, host, dev, n, f);
}
extern "C" void ddi_rep_get16(ddi_acc_handle_t h, uint16_t* host, uint16_t* dev, size_t n, uint_t f) {
    ddi::rep_get(h, host, dev, n, f);
}
extern "C" void ddi_rep_get32(ddi_acc_handle_t h, uint32_t* host, uint32_t* dev, size_t n, uint_t f) {
    ddi::rep_get(h, host, dev, n, f);
}
extern "C" void ddi_rep_get64(ddi_acc_handle_t h, uint64_t* host, uint64_t* dev, size_t n, uint_t f) {
    ddi::rep_get(h, host, dev, n, f);
}
extern "C" void ddi_rep_put8(ddi_acc_handle_t h, uint8_t* host, uint8_t* dev, size_t n, uint_t f) {
    ddi::rep_put(h, host, dev, n, f);
}
extern "C" void ddi_rep_put16(ddi_acc_handle_t h, uint16_t* host, uint16_t* dev, size_t n, uint_t f) {
    ddi::rep_put(h, host, dev, n, f);
}
extern "C" void ddi_rep_put32(ddi_acc_handle_t h, uint32_t* host, uint32_t* dev, size_t n, uint_t f) {
    ddi::rep_put(h, host, dev, n, f);
}
extern "C" void ddi_rep_put64(ddi_acc_handle_t h, uint64_t* host, uint64_t* dev, size_t n, uint_t f) {
    ddi::rep_put(h, host, dev, n, f);
}

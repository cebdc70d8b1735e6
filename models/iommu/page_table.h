// ddisim::models::iommu_pt — in-memory formats the IOMMU reads (context
// table, 4-level page table), their encoders/decoders, a reference walker and
// a small table builder. Plain C++ (no SystemC): the model (iommu.cpp) uses
// the decoders while walking over the bus; tests use the builder and the
// reference walker to check the model's translations. docs/iommu.md has the
// same formats with diagrams.
//
// Context table (base in register CTX_BASE, CTX_COUNT entries)
//   One 16-byte entry per requester id r at CTX_BASE + 16·r, little-endian:
//     qword 0  bit 0      P   present (0: every access of r faults, reason
//                             context_not_present)
//              bit 1      T   1 = translate through the domain's page table,
//                             0 = bypass (identity: address used as is)
//              bits 31:16 DID domain id (tags the IOTLB and the walk cache)
//              others     reserved, ignored
//     qword 1  bits 51:12 page-table root (physical address of the level-4
//                         table, 4 KiB aligned); ignored when T = 0
//
// Page table (x86-64-like radix, 48-bit I/O virtual address)
//   4 levels, each a 4 KiB table of 512 eight-byte little-endian entries.
//   Index bits of the IOVA: level 4 = 47:39, level 3 = 38:30, level 2 =
//   29:21, level 1 = 20:12. An IOVA with any bit above 47 set faults
//   (address_width).
//   Entry bits (all levels)
//     bit 0      P   present; 0 = fault not_present (the other bits ignored)
//     bit 1      R   read allowed
//     bit 2      W   write allowed
//     bit 7      PS  page size: at level 2 the entry is a 2 MiB leaf; at
//                    levels 4 and 3 it is reserved (fault bad_entry: no 1 GiB
//                    pages); at level 1 it is ignored
//     bits 51:12 next-level table address (non-leaf), 4 KiB page frame
//                (level-1 leaf) or, for a 2 MiB leaf, bits 51:21 (bits 20:12
//                must be 0, else bad_entry)
//     others     ignored
//   Permissions: as on x86, the effective R and W are the AND of the bits of
//   every entry on the path, so a non-leaf entry can revoke access for all
//   pages below it. A read needs R, a write needs W.
#pragma once
#include <cstdint>
#include <functional>

namespace ddisim::models::iommu_pt {

inline constexpr std::uint64_t pte_present = 1ull << 0;
inline constexpr std::uint64_t pte_read = 1ull << 1;
inline constexpr std::uint64_t pte_write = 1ull << 2;
inline constexpr std::uint64_t pte_large = 1ull << 7;
inline constexpr std::uint64_t pte_addr_mask = 0x000f'ffff'ffff'f000ull; // bits 51:12
inline constexpr std::uint64_t pte_large_addr_mask = 0x000f'ffff'ffe0'0000ull; // bits 51:21
inline constexpr unsigned iova_bits = 48;
inline constexpr std::uint64_t page_4k = 4096, page_2m = 2ull << 20;

// Permission bits as used by the walker results and the IOTLB.
enum perm : unsigned { perm_none = 0, perm_r = 1, perm_w = 2, perm_rw = 3 };

// Why a translation failed; the numeric value is the REASON field of a
// fault record (iommu.h).
enum class fault_reason : std::uint8_t {
    none = 0,
    context_not_present = 1, // requester id >= CTX_COUNT or context entry P = 0
    not_present = 2,         // a page-table entry on the path has P = 0
    read_denied = 3,         // read with effective R = 0
    write_denied = 4,        // write with effective W = 0
    bad_entry = 5,           // PS set at level 4/3, or a misaligned 2 MiB frame
    bus_error = 6,           // a context/page-table read got an error response
    address_width = 7,       // IOVA above 2^48
};
const char* to_string(fault_reason r);

// Table index of `iova` at `level` (4 … 1).
inline unsigned pt_index(std::uint64_t iova, int level) {
    return static_cast<unsigned>((iova >> (12 + 9 * (level - 1))) & 511);
}

// Entry encoders.
inline std::uint64_t make_table(std::uint64_t table_pa, unsigned perms = perm_rw) {
    return (table_pa & pte_addr_mask) | pte_present | ((perms & perm_r) ? pte_read : 0) |
           ((perms & perm_w) ? pte_write : 0);
}
inline std::uint64_t make_leaf_4k(std::uint64_t pa, unsigned perms) { return make_table(pa, perms); }
inline std::uint64_t make_leaf_2m(std::uint64_t pa, unsigned perms) {
    return make_table(pa & pte_large_addr_mask, perms) | pte_large;
}
inline unsigned entry_perms(std::uint64_t e) {
    return ((e & pte_read) ? perm_r : 0u) | ((e & pte_write) ? perm_w : 0u);
}

struct context_entry {
    bool present = false;
    bool translate = false;
    std::uint16_t domain = 0;
    std::uint64_t root = 0; // level-4 table
};
void encode_context(const context_entry& c, std::uint64_t out[2]);
context_entry decode_context(const std::uint64_t in[2]);

// Outcome of one walk step: what the entry `e` read at `level` means.
struct step_result {
    fault_reason fault = fault_reason::none;
    bool leaf = false;
    std::uint64_t next = 0;      // next table (non-leaf) or page frame (leaf)
    unsigned page_shift = 0;     // 12 or 21 for a leaf
};
step_result decode_step(std::uint64_t e, int level);

struct walk_result {
    fault_reason fault = fault_reason::none;
    std::uint64_t pa = 0;        // translated address of the IOVA (when no fault)
    unsigned page_shift = 12;    // 12 (4 KiB) or 21 (2 MiB)
    unsigned perms = perm_none;  // effective permissions
    int fault_level = 0;         // level whose entry faulted (0: none/context)
    unsigned reads = 0;          // entries read
};

// The reference walk: reads each entry through read_qword(pa) and applies
// the format above; checks the permission for `write`. The model must give
// the same answer (tests compare them).
walk_result reference_walk(const std::function<std::uint64_t(std::uint64_t)>& read_qword, std::uint64_t root,
                           std::uint64_t iova, bool write);

// Builds page tables in a byte image of physical memory (tests, and a
// pattern for the software driver). Table pages come from alloc_table()
// (must return zeroed, 4 KiB aligned physical addresses inside the image).
class table_builder {
public:
    table_builder(std::uint8_t* phys_base, std::function<std::uint64_t()> alloc_table);
    std::uint64_t new_root();
    // Non-leaf entries are created with R|W (the leaf decides).
    void map_4k(std::uint64_t root, std::uint64_t iova, std::uint64_t pa, unsigned perms);
    void map_2m(std::uint64_t root, std::uint64_t iova, std::uint64_t pa, unsigned perms);
    // Clears the leaf entry of iova (4 KiB or 2 MiB); returns false if none.
    bool unmap(std::uint64_t root, std::uint64_t iova);
    std::uint64_t read(std::uint64_t pa) const;
    void write(std::uint64_t pa, std::uint64_t v);

private:
    std::uint64_t table_for(std::uint64_t root, std::uint64_t iova, int leaf_level);
    std::uint8_t* base_;
    std::function<std::uint64_t()> alloc_;
};

} // namespace ddisim::models::iommu_pt

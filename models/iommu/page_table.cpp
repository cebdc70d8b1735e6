#include "models/iommu/page_table.h"

#include <cstring>
#include <stdexcept>

namespace ddisim::models::iommu_pt {

const char* to_string(fault_reason r) {
    switch (r) {
    case fault_reason::none: return "none";
    case fault_reason::context_not_present: return "context_not_present";
    case fault_reason::not_present: return "not_present";
    case fault_reason::read_denied: return "read_denied";
    case fault_reason::write_denied: return "write_denied";
    case fault_reason::bad_entry: return "bad_entry";
    case fault_reason::bus_error: return "bus_error";
    case fault_reason::address_width: return "address_width";
    }
    return "unknown";
}

void encode_context(const context_entry& c, std::uint64_t out[2]) {
    out[0] = (c.present ? 1ull : 0ull) | (c.translate ? 2ull : 0ull) | (std::uint64_t{c.domain} << 16);
    out[1] = c.root & pte_addr_mask;
}

context_entry decode_context(const std::uint64_t in[2]) {
    context_entry c;
    c.present = in[0] & 1;
    c.translate = in[0] & 2;
    c.domain = static_cast<std::uint16_t>(in[0] >> 16);
    c.root = in[1] & pte_addr_mask;
    return c;
}

step_result decode_step(std::uint64_t e, int level) {
    step_result r;
    if (!(e & pte_present)) {
        r.fault = fault_reason::not_present;
        return r;
    }
    if ((e & pte_large) && (level == 4 || level == 3)) {
        r.fault = fault_reason::bad_entry;
        return r;
    }
    if ((e & pte_large) && level == 2) {
        if (e & pte_addr_mask & ~pte_large_addr_mask) {
            r.fault = fault_reason::bad_entry;
            return r;
        }
        r.leaf = true;
        r.next = e & pte_large_addr_mask;
        r.page_shift = 21;
        return r;
    }
    r.next = e & pte_addr_mask;
    if (level == 1) {
        r.leaf = true;
        r.page_shift = 12;
    }
    return r;
}

walk_result reference_walk(const std::function<std::uint64_t(std::uint64_t)>& read_qword, std::uint64_t root,
                           std::uint64_t iova, bool write) {
    walk_result w;
    if (iova >> iova_bits) {
        w.fault = fault_reason::address_width;
        return w;
    }
    std::uint64_t table = root;
    unsigned perms = perm_rw;
    for (int level = 4; level >= 1; --level) {
        const std::uint64_t e = read_qword(table + 8ull * pt_index(iova, level));
        ++w.reads;
        const step_result s = decode_step(e, level);
        if (s.fault != fault_reason::none) {
            w.fault = s.fault;
            w.fault_level = level;
            return w;
        }
        perms &= entry_perms(e);
        if (s.leaf) {
            w.page_shift = s.page_shift;
            w.perms = perms;
            w.pa = s.next | (iova & ((1ull << s.page_shift) - 1));
            if (write ? !(perms & perm_w) : !(perms & perm_r)) {
                w.fault = write ? fault_reason::write_denied : fault_reason::read_denied;
                w.fault_level = level;
            }
            return w;
        }
        table = s.next;
    }
    return w; // not reached: level 1 is always a leaf
}

table_builder::table_builder(std::uint8_t* phys_base, std::function<std::uint64_t()> alloc_table)
    : base_(phys_base), alloc_(std::move(alloc_table)) {}

std::uint64_t table_builder::read(std::uint64_t pa) const {
    std::uint64_t v;
    std::memcpy(&v, base_ + pa, 8);
    return v;
}

void table_builder::write(std::uint64_t pa, std::uint64_t v) { std::memcpy(base_ + pa, &v, 8); }

std::uint64_t table_builder::new_root() {
    const std::uint64_t t = alloc_();
    std::memset(base_ + t, 0, page_4k);
    return t;
}

std::uint64_t table_builder::table_for(std::uint64_t root, std::uint64_t iova, int leaf_level) {
    std::uint64_t table = root;
    for (int level = 4; level > leaf_level; --level) {
        const std::uint64_t slot = table + 8ull * pt_index(iova, level);
        std::uint64_t e = read(slot);
        if (!(e & pte_present)) {
            e = make_table(new_root(), perm_rw);
            write(slot, e);
        } else if (e & pte_large) {
            throw std::invalid_argument("table_builder: a 2 MiB leaf already covers this address");
        }
        table = e & pte_addr_mask;
    }
    return table;
}

void table_builder::map_4k(std::uint64_t root, std::uint64_t iova, std::uint64_t pa, unsigned perms) {
    write(table_for(root, iova, 1) + 8ull * pt_index(iova, 1), make_leaf_4k(pa, perms));
}

void table_builder::map_2m(std::uint64_t root, std::uint64_t iova, std::uint64_t pa, unsigned perms) {
    if ((iova | pa) & (page_2m - 1)) throw std::invalid_argument("table_builder: 2 MiB mapping not 2 MiB aligned");
    write(table_for(root, iova, 2) + 8ull * pt_index(iova, 2), make_leaf_2m(pa, perms));
}

bool table_builder::unmap(std::uint64_t root, std::uint64_t iova) {
    std::uint64_t table = root;
    for (int level = 4; level >= 1; --level) {
        const std::uint64_t slot = table + 8ull * pt_index(iova, level);
        const std::uint64_t e = read(slot);
        if (!(e & pte_present)) return false;
        if (level == 1 || (level == 2 && (e & pte_large))) {
            write(slot, 0);
            return true;
        }
        table = e & pte_addr_mask;
    }
    return false;
}

} // namespace ddisim::models::iommu_pt

// The driver's copy of the IOMMU's register map and memory formats
// (sw/ddi/iommu_driver.h, which may not include models/) equals the model's.
#include <catch2/catch.hpp>

#include "models/iommu/iommu.h"
#include "models/iommu/page_table.h"
#include "sw/ddi/iommu_driver.h"

namespace vtd = ddisim::ddi::vtd;
namespace reg = ddisim::models::iommu_reg;
namespace pt = ddisim::models::iommu_pt;

TEST_CASE("the driver's register offsets and fields equal the model's") {
    CHECK(vtd::reg_cap == reg::cap);
    CHECK(vtd::reg_ctrl == reg::ctrl);
    CHECK(vtd::reg_ctx_base == reg::ctx_base);
    CHECK(vtd::reg_ctx_count == reg::ctx_count);
    CHECK(vtd::reg_fault_status == reg::fault_status);
    CHECK(vtd::reg_fault_count == reg::fault_count);
    CHECK(vtd::reg_fault_head == reg::fault_head);
    CHECK(vtd::reg_fault_tail == reg::fault_tail);
    CHECK(vtd::reg_inv_cmd == reg::inv_cmd);
    CHECK(vtd::reg_inv_addr == reg::inv_addr);
    CHECK(vtd::reg_inv_npages == reg::inv_npages);
    CHECK(vtd::reg_inv_done == reg::inv_done);
    CHECK(vtd::reg_fault_rec == reg::fault_rec);
    CHECK(vtd::fault_rec_stride == reg::fault_rec_stride);
    CHECK(vtd::ctrl_te == reg::ctrl_te);
    CHECK(vtd::ctrl_fie == reg::ctrl_fie);
    CHECK(vtd::fs_ppf == reg::fs_ppf);
    CHECK(vtd::fs_ovf == reg::fs_ovf);
    CHECK(vtd::inv_go == reg::inv_go);
    // INV_CMD as the driver builds it
    for (unsigned t : {0u, 1u, 2u})
        CHECK((vtd::inv_go | (std::uint64_t{t} << vtd::inv_type_shift) | (std::uint64_t{0x1234} << vtd::inv_did_shift)) ==
              reg::inv_command(static_cast<reg::inv_type>(t), 0x1234));
    CHECK(unsigned{vtd::inv_global} == unsigned{reg::inv_global});
    CHECK(unsigned{vtd::inv_domain} == unsigned{reg::inv_domain});
    CHECK(unsigned{vtd::inv_range} == unsigned{reg::inv_range});
}

TEST_CASE("the driver's context entry, PTE and fault-record formats equal the model's") {
    CHECK(vtd::pte_present == pt::pte_present);
    CHECK(vtd::pte_read == pt::pte_read);
    CHECK(vtd::pte_write == pt::pte_write);
    CHECK(vtd::pte_large == pt::pte_large);
    CHECK(vtd::pte_addr_mask == pt::pte_addr_mask);
    CHECK(vtd::iova_bits == pt::iova_bits);
    for (std::uint64_t iova : {0x0ull, 0x1234'5678'9000ull, 0xffff'ffff'f000ull})
        for (unsigned l = 1; l <= 4; ++l) CHECK(vtd::pt_index(iova, l) == pt::pt_index(iova, static_cast<int>(l)));
    // context entry: the driver's encoding decodes to what it meant
    for (bool translate : {false, true}) {
        const std::uint64_t e[2] = {vtd::ctx_present | (translate ? vtd::ctx_translate : 0) |
                                        (std::uint64_t{0xbeef} << vtd::ctx_did_shift),
                                    0x12'3456'7000ull & vtd::ctx_root_mask};
        const pt::context_entry c = pt::decode_context(e);
        CHECK(c.present);
        CHECK(c.translate == translate);
        CHECK(c.domain == 0xbeef);
        if (translate) CHECK(c.root == 0x12'3456'7000ull);
        std::uint64_t back[2];
        pt::encode_context(c, back);
        CHECK(back[0] == e[0]);
    }
    // a leaf as the driver writes it is the model's 4 KiB leaf
    CHECK(((0x8765'4000ull & vtd::pte_addr_mask) | vtd::pte_present | vtd::pte_read | vtd::pte_write) ==
          pt::make_leaf_4k(0x8765'4000ull, pt::perm_rw));
    // fault record qword 1 fields
    const std::uint64_t q1 = 0x1234ull | (std::uint64_t{4} << vtd::fault_reason_shift) |
                             (std::uint64_t{1} << vtd::fault_write_bit) | (std::uint64_t{0x0777} << vtd::fault_domain_shift);
    const auto f = ddisim::models::iommu_fault::decode(0xabc000, q1);
    CHECK(f.requester == 0x1234);
    CHECK(f.reason == pt::fault_reason::write_denied);
    CHECK(f.write);
    CHECK(f.domain == 0x0777);
}

// ddisim::ddi rootnex — the x86 root-nexus bind engine of spec §4, and the
// IOMMU (VT-d-like) variant of §4.10. Internal interface of sw/ddi; drivers
// use the C API of <sys/sunddi.h>.
#pragma once
#include "sw/ddi/handle.h"

namespace ddisim::ddi {

// Handle allocation: copies attributes, derives limits (spec §4.1), DEBUG
// validation (spec §3.1). Returns DDI_SUCCESS or a DDI_DMA_* code.
int rootnex_allochdl(dev_info* dip, const ddi_dma_attr_t* attr, int (*callback)(caddr_t),
                     caddr_t arg, dma_handle** out);
void rootnex_freehdl(dma_handle* h);

// Bind of a prepared object (spec §4.2–§4.4, §4.10).
int rootnex_bindhdl(dma_handle* h, const ddi_dma_obj_t& obj, uint_t flags,
                    int (*callback)(caddr_t), caddr_t arg, ddi_dma_cookie_t* cookiep,
                    uint_t* ccountp, const char* call);
int rootnex_unbindhdl(dma_handle* h, const char* call);
int rootnex_sync(dma_handle* h, off_t off, size_t len, uint_t type);
int rootnex_win(dma_handle* h, uint_t win, off_t* offp, size_t* lenp, ddi_dma_cookie_t* cookiep,
                uint_t* ccountp);

// IOMMU path (sw/ddi/iommu.cpp).
bool iommu_translates(const dma_handle* h);
int iommu_bind(dma_handle* h, uint_t flags, int (*callback)(caddr_t), caddr_t arg,
               ddi_dma_cookie_t* cookiep, uint_t* ccountp);
void iommu_unbind(dma_handle* h);
// Premapped DVMA range of network-class devices (spec §4.10 step 1).
void iommu_alloc_premap(dma_handle* h);
void iommu_free_premap(dma_handle* h);
constexpr unsigned immu_npreptes = 8;

// Physical address of object page piece walk helper (shared with IOMMU path):
// fills pas with the physical page address of every page the object touches.
void object_pages(dma_handle* h, const ddi_dma_obj_t& obj, std::vector<std::uint64_t>& pas);

// Free everything a bind holds and reset the handle (no sync, no callbacks).
void rootnex_clean(dma_handle* h);

} // namespace ddisim::ddi

namespace ddisim::ddi {
// buf -> DMA object (spec §1.7). legacy: ddi_dma_buf_setup's BUFVADDR rule.
ddi_dma_obj_t buf_object(kernel::kernel_context& k, struct buf* bp, bool legacy);
} // namespace ddisim::ddi

// Spec §10.5: callback lists — count/merge, RUNOUT re-queue, soft-interrupt
// delivery, nothing queued for DONTWAIT.
#include "ddi_test_util.h"

using namespace ddt;

namespace {
int calls = 0;
int runout_first = 0;
int cb_done(caddr_t) {
    ++calls;
    return DDI_DMA_CALLBACK_DONE;
}
int cb_runout_once(caddr_t) {
    ++calls;
    if (runout_first) {
        runout_first = 0;
        return DDI_DMA_CALLBACK_RUNOUT;
    }
    return DDI_DMA_CALLBACK_DONE;
}
} // namespace

TEST_CASE("K1: one (fn,arg) registered twice runs twice in one run and empties the list") {
    fixture f;
    calls = 0;
    uintptr_t list = 0;
    ddi_set_callback(cb_done, nullptr, &list);
    ddi_set_callback(cb_done, nullptr, &list);
    auto* l = reinterpret_cast<ddisim::ddi::callback_list*>(list);
    REQUIRE(l->entries.size() == 1); // merged into one entry
    CHECK(l->entries.front().count == 2);
    ddi_run_callback(&list);
    CHECK(calls == 0); // scheduled, not run
    f.k.run_softints();
    CHECK(calls == 2);
    CHECK(l->entries.empty());
}

TEST_CASE("K2: RUNOUT re-queues the entry with its count and stops until the next run") {
    fixture f;
    calls = 0;
    runout_first = 1;
    uintptr_t list = 0;
    ddi_set_callback(cb_runout_once, nullptr, &list);
    ddi_set_callback(cb_runout_once, nullptr, &list);
    ddi_run_callback(&list);
    f.k.run_softints();
    CHECK(calls == 1);
    auto* l = reinterpret_cast<ddisim::ddi::callback_list*>(list);
    REQUIRE(l->entries.size() == 1);
    CHECK(l->entries.front().count == 2);
    ddi_run_callback(&list);
    f.k.run_softints();
    CHECK(calls == 3);
    CHECK(l->entries.empty());
}

TEST_CASE("K4: NORESOURCES with DONTWAIT queues nothing — with SLEEP only illumos fidelity queues") {
    kernel_config cfg;
    cfg.handle_limit = 0; // handle memory runs out
    fixture f(cfg);
    ddi_dma_handle_t h = nullptr;
    auto a = default_attr();
    CHECK(ddi_dma_alloc_handle(f.dip, &a, DDI_DMA_DONTWAIT, nullptr, &h) == DDI_DMA_NORESOURCES);
    CHECK(ddisim::ddi::callback_list_empty(&ddisim::ddi::state(f.k).rootnex_cb));
    CHECK(ddi_dma_alloc_handle(f.dip, &a, DDI_DMA_SLEEP, nullptr, &h) == DDI_DMA_NORESOURCES);
    CHECK_FALSE(ddisim::ddi::callback_list_empty(&ddisim::ddi::state(f.k).rootnex_cb));
    CHECK(f.has_diag("bug-8.12-sleep-queued"));
    // running the list would jump to address 1: a panic, not a host crash
    ddi_run_callback(&ddisim::ddi::state(f.k).rootnex_cb);
    CHECK_THROWS_AS(f.k.run_softints(), ddisim::kernel::panic_error);
}

TEST_CASE("K5: callbacks run asynchronously after free-handle, never inside it") {
    kernel_config cfg;
    cfg.handle_limit = 1;
    fixture f(cfg);
    calls = 0;
    auto a = default_attr();
    ddi_dma_handle_t h1 = nullptr, h2 = nullptr;
    REQUIRE(ddi_dma_alloc_handle(f.dip, &a, DDI_DMA_DONTWAIT, nullptr, &h1) == DDI_SUCCESS);
    CHECK(ddi_dma_alloc_handle(f.dip, &a, cb_done, nullptr, &h2) == DDI_DMA_NORESOURCES);
    ddi_dma_free_handle(&h1);
    CHECK(calls == 0);
    CHECK(f.k.pending_softints() == 1);
    f.k.run_softints();
    CHECK(calls == 1);
    REQUIRE(ddi_dma_alloc_handle(f.dip, &a, DDI_DMA_DONTWAIT, nullptr, &h2) == DDI_SUCCESS);
    ddi_dma_free_handle(&h2);
}

TEST_CASE("K5b: a failed ddi_dma_mem_alloc queues its callback on the memory list, run by mem_free") {
    fixture f;
    calls = 0;
    auto a = default_attr();
    a.dma_attr_align = 0x1000;
    a.dma_attr_sgllen = 1;
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    auto h = f.alloc(a);
    ddi_device_acc_attr_t acc{DDI_DEVICE_ATTR_V0, DDI_NEVERSWAP_ACC, DDI_STRICTORDER_ACC, 0};
    caddr_t kaddr;
    size_t real;
    ddi_acc_handle_t ah;
    // 8 GiB of contiguous memory below 4 GiB cannot exist
    CHECK(ddi_dma_mem_alloc(h, std::size_t{8} << 30, &acc, DDI_DMA_CONSISTENT, cb_done, nullptr, &kaddr, &real,
                            &ah) == DDI_FAILURE);
    REQUIRE(ddi_dma_mem_alloc(h, 4096, &acc, DDI_DMA_CONSISTENT, DDI_DMA_SLEEP, nullptr, &kaddr, &real, &ah) ==
            DDI_SUCCESS);
    CHECK(calls == 0);
    ddi_dma_mem_free(&ah);
    CHECK(calls == 0);
    f.k.run_softints();
    CHECK(calls == 1);
    ddi_dma_free_handle(&h);
}

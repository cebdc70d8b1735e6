// The random verify workload of the storage tests (storage_fixture.h).
#include "storage_fixture.h"

#include <deque>

#include "sw/scsi/scsa.h"

namespace ddisim::test {

namespace {
struct slot {
    struct buf b {};
    unsigned t = 0;
    std::uint64_t lba = 0, nblk = 0;
    bool write = false;
    caddr_t base = nullptr;
    std::size_t off = 0;
};

bool overlaps(std::uint64_t a, std::uint64_t an, std::uint64_t b, std::uint64_t bn) { return a < b + bn && b < a + an; }
} // namespace

verify_result run_verify(st_system& s, const drivers::hba_drv_config& hc, const drivers::sd_config& sc,
                         const verify_options& vo) {
    verify_result r;
    auto problem = [&](const std::string& p) {
        if (r.first_problem.empty()) r.first_problem = p;
    };
    if (!s.start()) {
        problem("IOMMU driver start failed");
        return r;
    }
    std::unique_ptr<drivers::hba_drv> h;
    r.hba_rc = drivers::hba_drv::attach(s.dip, hc, h);
    if (r.hba_rc != DDI_SUCCESS) return r;
    r.hba_tags = h->tags();
    std::vector<std::unique_ptr<drivers::sd>> disks;
    for (auto* dev : h->devices()) {
        std::unique_ptr<drivers::sd> d;
        std::string why;
        r.sd_rc.push_back(drivers::sd::attach(dev, sc, d, &why));
        r.sd_why.push_back(why);
        r.capacity.push_back(d ? d->capacity_blocks() : 0);
        r.block.push_back(d ? d->block_size() : 0);
        r.vendor.push_back(d ? d->vendor() + "/" + d->product() : "");
        disks.push_back(std::move(d));
    }
    for (auto& d : disks)
        if (!d) return r;
    std::vector<unsigned> targets = vo.targets;
    if (targets.empty())
        for (unsigned t = 0; t < disks.size(); ++t) targets.push_back(t);

    // shadows of the media (the disks start as zeros)
    std::vector<std::vector<std::uint8_t>> shadow(disks.size());
    for (unsigned t : targets) shadow[t].assign(disks[t]->capacity_blocks() * disks[t]->block_size(), 0);

    // data buffers: one region per slot, max bytes + a page for the offset
    const std::uint64_t max_bytes = vo.max_blocks * 512;
    const std::size_t pages = std::size_t((max_bytes + 4096 + 4095) / 4096);
    std::vector<slot> slots(vo.depth);
    for (auto& sl : slots) {
        sl.base = vo.high_buffers ? s.k->kmem_alloc_pages(pages, models::memory_high_base)
                                  : s.k->kmem_alloc_pages(pages);
        if (!sl.base) {
            problem("buffer allocation failed");
            return r;
        }
        for (std::size_t p = 0; p < pages; ++p) {
            std::uint64_t pa = 0;
            if (s.k->kva_to_pa(sl.base + p * 4096, pa)) (pa >= models::memory_high_base ? r.high_buffer_pages : r.low_buffer_pages)++;
        }
    }

    std::mt19937_64 rng(vo.seed);
    std::uint64_t fill_seed = vo.seed * 7919 + 1;
    std::deque<unsigned> fifo;
    std::vector<unsigned> free_slots;
    for (unsigned i = vo.depth; i-- > 0;) free_slots.push_back(i);
    std::uint64_t submitted = 0;

    auto is_bad = [&](unsigned t, std::uint64_t lba, std::uint64_t n) {
        if (t >= vo.bad.size()) return false;
        for (auto& [b, c] : vo.bad[t])
            if (overlaps(lba, n, b, c)) return true;
        return false;
    };

    auto submit = [&]() -> bool {
        const unsigned i = free_slots.back();
        slot& sl = slots[i];
        for (int attempt = 0; attempt < 20; ++attempt) {
            const unsigned t = targets[rng() % targets.size()];
            const std::uint64_t bs = disks[t]->block_size();
            const std::uint64_t maxb = std::max<std::uint64_t>(1, max_bytes / bs);
            const bool small = std::uniform_real_distribution<double>(0, 1)(rng) < vo.small_fraction;
            const std::uint64_t nblk = 1 + rng() % (small ? std::min<std::uint64_t>(8, maxb) : maxb);
            const std::uint64_t lba = rng() % (disks[t]->capacity_blocks() - nblk + 1);
            bool clash = false;
            for (unsigned j : fifo)
                if (slots[j].t == t && overlaps(lba, nblk, slots[j].lba, slots[j].nblk)) clash = true;
            if (clash) continue;
            sl.t = t;
            sl.lba = lba;
            sl.nblk = nblk;
            sl.write = std::uniform_real_distribution<double>(0, 1)(rng) < vo.write_fraction;
            sl.off = std::size_t(rng() % 4096);
            const std::size_t len = std::size_t(nblk * bs);
            if (sl.write) {
                std::uint8_t* p = reinterpret_cast<std::uint8_t*>(sl.base + sl.off);
                for (std::size_t k = 0; k < len; k += 8) {
                    const std::uint64_t v = ddisim::tlm::splitmix64(fill_seed);
                    std::memcpy(p + k, &v, std::min<std::size_t>(8, len - k));
                }
            }
            sl.b = buf{};
            sl.b.b_flags = sl.write ? B_WRITE : B_READ;
            sl.b.b_un.b_addr = sl.base + sl.off;
            sl.b.b_bcount = len;
            sl.b.b_lblkno = lba;
            free_slots.pop_back();
            fifo.push_back(i);
            ++submitted;
            disks[t]->strategy(&sl.b);
            return true;
        }
        return false;
    };

    auto check = [&](slot& sl) {
        const std::uint64_t bs = disks[sl.t]->block_size();
        const std::size_t len = std::size_t(sl.nblk * bs);
        auto* sh = shadow[sl.t].data() + sl.lba * bs;
        const auto* p = reinterpret_cast<const std::uint8_t*>(sl.b.b_un.b_addr);
        const int e = geterror(&sl.b);
        ++r.completed;
        if (sl.write) {
            ++r.writes;
            if (e) {
                ++r.unexpected_errors;
                problem("write failed at lba " + std::to_string(sl.lba) + " errno " + std::to_string(e));
            } else {
                std::memcpy(sh, p, len);
                r.bytes += len;
            }
            return;
        }
        ++r.reads;
        if (is_bad(sl.t, sl.lba, sl.nblk)) {
            // The bytes reported moved (b_bcount - b_resid: windows and
            // chunks before the failing one) lie before the first bad block
            // and hold the medium's data.
            std::uint64_t first_bad = sl.lba + sl.nblk;
            for (auto& [b, c] : vo.bad[sl.t])
                if (overlaps(sl.lba, sl.nblk, b, c)) first_bad = std::min(first_bad, std::max(b, sl.lba));
            const std::size_t moved = len - std::min<std::size_t>(sl.b.b_resid, len);
            const bool prefix_ok = moved <= (first_bad - sl.lba) * bs && std::memcmp(sh, p, moved) == 0;
            if (e == EIO && (sl.b.b_flags & B_ERROR) && sl.b.b_resid > 0 && prefix_ok) {
                ++r.expected_errors;
            } else {
                ++r.missed_errors;
                problem("read over a bad LBA at lba " + std::to_string(sl.lba) + ": errno " + std::to_string(e) +
                        ", resid " + std::to_string(sl.b.b_resid) + (prefix_ok ? "" : ", moved bytes wrong"));
            }
            return;
        }
        if (e) {
            ++r.unexpected_errors;
            problem("read failed at lba " + std::to_string(sl.lba) + " errno " + std::to_string(e));
            return;
        }
        if (sl.b.b_resid != 0 || std::memcmp(sh, p, len) != 0) {
            ++r.mismatches;
            problem("read data differs at target " + std::to_string(sl.t) + " lba " + std::to_string(sl.lba));
            return;
        }
        r.bytes += len;
    };

    while (submitted < vo.ios || !fifo.empty()) {
        while (submitted < vo.ios && !free_slots.empty())
            if (!submit()) break;
        if (fifo.empty()) continue;
        const unsigned i = fifo.front();
        fifo.pop_front();
        slot& sl = slots[i];
        disks[sl.t]->biowait(&sl.b);
        check(sl);
        free_slots.push_back(i);
        if (vo.hook) vo.hook(r.completed, disks, *h);
    }
    for (auto& d : disks) d->wait_all();
    for (unsigned t = 0; t < disks.size(); ++t) {
        r.sd_stats.push_back(disks[t]->statistics());
        r.sd_errors.push_back(disks[t]->errors());
        for (auto& er : disks[t]->errors()) {
            bool ok = false;
            if (t < vo.bad.size())
                for (auto& [b, c] : vo.bad[t])
                    if (er.lba >= b && er.lba < b + c && er.lba >= er.blkno) ok = true;
            if (!ok) ++r.bad_lba_reports;
        }
    }
    r.hba_stats = h->statistics();
    r.hba_outstanding_after = h->outstanding();
    disks.clear();
    r.live_packets_after = ddisim::scsa::live_packets(*s.k);
    for (auto& sl : slots) s.k->kmem_free_pages(sl.base);
    r.end_ns = s.k->now_ns();
    h.reset();
    return r;
}

} // namespace ddisim::test

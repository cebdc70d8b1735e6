// The compiled-in default scenario. This text must stay identical to
// scenarios/default.yaml (test "config: the compiled-in default scenario is
// identical to scenarios/default.yaml"); edit both together.
#include "testbench/config/scenario_loader.h"

namespace ddisim::config {

namespace {
constexpr std::string_view text = R"yaml(# ddisim default scenario: what `ddisim run` simulates when given no file.
# It is compiled into the binary (testbench/config/default_scenario.cpp holds
# the same text; a test keeps the two identical). Every key is documented in
# docs/scenario-reference.md; keys left out keep their defaults.

run:
  seed: 1
  timing: lt            # lt (fast, temporal decoupling) or at (contention studies)
  quantum: 1us
  duration: 0           # 0: until the workload ends
  output: out
  progress: true

platform:
  memory:
    low_size: 3GiB      # DRAM below 4 GiB
    high_size: 5GiB     # DRAM from 4 GiB upwards
    latency: 45ns
    clock: 1.6GHz
    bytes_per_cycle: 8
    channels: 2

  bus:
    clock: 1GHz
    data_width: 32B
    max_burst: 256B
    arbitration: round_robin

  # DMA devices reach the bus through the IOMMU (64-entry IOTLB).
  iommu:
    enable: true
    iotlb_sets: 16
    iotlb_ways: 4
    pwc_entries: 16

  # A DMA controller beside the HBA, behind the same IOMMU in its own domain
  # (idle under the fio workload; workload.kind: memcpy drives it).
  dmac:
    present: true
    channels: 4
    burst_size: 256B
    outstanding: 8

  # The storage path: a SCSI HBA (64-bit data DMA, behind the IOMMU) with
  # one 1 TB flash disk. The medium is sparse: only written blocks take memory.
  hba:
    present: true
    address_bits: 64
    queue_depth: 256
    target_queue_depth: 32
    targets:
      - kind: ssd
        capacity: 1000000000000B
        block_size: 512
        vendor: DDISIM
        product: SSD-1TB
        ssd:
          read_latency: 60us
          units: 16

software:
  fidelity: illumos
  debug_checks: false
  dma_api_checker: true
  placement: random     # fragmented buffers: physical pages anywhere in DRAM
  iommu: vtd            # DMA binds map DVMA pages in the IOMMU
  iommu_unmap: strict   # unbind clears the entries and waits for the IOTLB flush

# The software workload: fio-style 4 KiB random reads at queue depth 32 over
# the whole disk, one simulated CPU thread, through sd, SCSA, the HBA driver,
# DDI binds (each mapped in the IOMMU and unmapped strictly), the HBA, the
# IOMMU, the bus and DRAM. `ddisim run --fio JOB.fio` replaces the job.
workload:
  kind: fio
  fio:
    target: 0
    job: |
      [randread-4k-qd32]
      ioengine=libaio
      rw=randread
      bs=4k
      iodepth=32
      number_ios=20000
)yaml";
} // namespace

std::string_view default_scenario_text() { return text; }

} // namespace ddisim::config

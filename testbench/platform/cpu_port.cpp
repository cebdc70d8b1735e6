#include "testbench/platform/cpu_port.h"

#include <fmt/format.h>

#include "tlm/extensions.h"

namespace ddisim::platform {

cpu_port::stats_t::stats_t(const std::string& o)
    : charged(o, "charged", "ns", "software time charged by the kernel, DDI layer and drivers"),
      reads(o, "reads", "accesses", "CPU bus reads (registers, memory)"),
      writes(o, "writes", "accesses", "CPU bus writes (registers, page-table entries, memory)"),
      bytes_read(o, "bytes_read", "bytes", "bytes read by the CPU over the bus"),
      bytes_written(o, "bytes_written", "bytes", "bytes written by the CPU over the bus") {}

cpu_port::cpu_port(sc_core::sc_module_name name, std::uint32_t requester_id)
    : sc_module(name), out("out"), requester_id_(requester_id), stats_(this->name()) {
    out.bind(*this);
    qk_.reset();
}

cpu_port::~cpu_port() = default;

void cpu_port::charge_cpu(std::uint64_t ns) {
    qk_.inc(sc_core::sc_time(static_cast<double>(ns), sc_core::SC_NS));
    stats_.charged += ns;
    if (qk_.need_sync()) qk_.sync();
}

void cpu_port::access(::tlm::tlm_command cmd, std::uint64_t pa, unsigned char* data, std::size_t len) {
    if (len == 0) return;
    ::tlm::tlm_generic_payload gp;
    tlm::requester_id_ext rid(requester_id_);
    gp.set_extension(&rid);
    gp.set_command(cmd);
    gp.set_address(pa);
    gp.set_data_ptr(data);
    gp.set_data_length(static_cast<unsigned>(len));
    gp.set_streaming_width(static_cast<unsigned>(len));
    gp.set_byte_enable_ptr(nullptr);
    gp.set_dmi_allowed(false);
    gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = qk_.get_local_time();
    out->b_transport(gp, delay);
    gp.clear_extension(&rid);
    qk_.set(delay);
    if (gp.is_response_error()) {
        SC_REPORT_ERROR("ddisim/cpu", fmt::format("{}: machine check: CPU {} of {} bytes at {:#x}: {}", name(),
                                                  cmd == ::tlm::TLM_READ_COMMAND ? "read" : "write", len, pa,
                                                  gp.get_response_string())
                                          .c_str());
        return;
    }
    if (qk_.need_sync()) qk_.sync();
}

void cpu_port::bus_read(std::uint64_t pa, void* dst, std::size_t len) {
    access(::tlm::TLM_READ_COMMAND, pa, static_cast<unsigned char*>(dst), len);
    ++stats_.reads;
    stats_.bytes_read += len;
}

void cpu_port::bus_write(std::uint64_t pa, const void* src, std::size_t len) {
    // TLM payloads carry a non-const pointer; a write target only reads it.
    access(::tlm::TLM_WRITE_COMMAND, pa, static_cast<unsigned char*>(const_cast<void*>(src)), len);
    ++stats_.writes;
    stats_.bytes_written += len;
}

::tlm::tlm_sync_enum cpu_port::nb_transport_bw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_core::sc_time&) {
    SC_REPORT_ERROR("ddisim/cpu", "cpu_port is LT only: unexpected nb_transport_bw");
    return ::tlm::TLM_COMPLETED;
}

} // namespace ddisim::platform

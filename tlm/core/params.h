// ddisim::tlm::param_group — named, documented parameters bound to the fields
// of a model's config struct (gem5-style parameter structs, VCML-style named
// properties). Each model declares next to its config struct
//
//     void describe(ddisim::tlm::param_group& g, memory_config& c);
//
// which lists every field once with its key, kind, unit, range and one-line
// doc. The scenario parser (testbench/config) fills the struct through these
// bindings, `ddisim config --reference` prints them, and
// docs/scenario-reference.md is generated from them, so the documentation
// cannot drift from the code. Plain C++, no SystemC.
//
// Canonical units of the bound fields: sizes in bytes (uint64), times in
// picoseconds (uint64, matching SystemC's default 1 ps resolution),
// frequencies in Hz (double), bit rates in bit/s (double).
//
// Human units accepted in scenarios and --set (case-sensitive; a space
// between number and unit is allowed; fractions allowed when the result is
// whole in the canonical unit):
//   size       bare number = bytes, hex "0x1000" = bytes; B;
//              binary KiB MiB GiB TiB PiB (1024^n); decimal kB MB GB TB PB
//              (1000^n). "KB"/"K" are rejected as ambiguous.
//   time       ps ns us (or µs) ms s; a bare number must be 0.
//   frequency  Hz kHz MHz GHz THz.
//   bitrate    b/s kb/s Mb/s Gb/s Tb/s (also bps/kbps/Mbps/Gbps/Tbps and
//              bit/s forms); byte rates B/s kB/s MB/s GB/s TB/s and
//              KiB/s MiB/s GiB/s TiB/s count 8 bits per byte.
//   count      unsigned decimal or hex; integer: signed decimal or hex;
//   real       decimal (exponent allowed); flag: true/false, yes/no, on/off.
// Negative values, overflow, NaN/infinity and trailing garbage are rejected.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ddisim::tlm {

enum class param_kind { size, time, frequency, bitrate, count, integer, real, flag, text, choice, group, list };

const char* to_string(param_kind k);

// Inclusive numeric range in the field's canonical unit.
struct param_range {
    std::optional<double> min;
    std::optional<double> max;
};

struct param;
class param_group;

// Builds a list element: called with the element's group and its index, it
// must bind the element's fields (the element storage is owned by the binder).
using list_binder = std::function<void(param_group& element, std::size_t index)>;

struct param {
    std::string key;          // the last component, e.g. "latency"
    std::string path;         // full dotted key path, e.g. "platform.memory.latency"
    param_kind kind;
    std::string doc;          // one line
    std::string default_text; // the default, formatted in human units
    param_range range;
    std::vector<std::string> choices; // for choice
    std::string unit;         // optional display unit for count/integer/real (e.g. "B/cycle")

    // Setters in canonical units (exactly one is used, by kind).
    std::function<void(double)> set_number;
    std::function<void(bool)> set_flag;
    std::function<void(const std::string&)> set_text;
    std::function<std::string()> get_text; // current value, human units
    // Exact setters for the integral kinds (size, time, count: set_uint;
    // integer: set_int); set_number stays usable for them too.
    std::function<void(std::uint64_t)> set_uint;
    std::function<void(std::int64_t)> set_int;

    std::unique_ptr<param_group> sub;   // for group
    list_binder make_element;           // for list: bind element i
    std::function<void(std::size_t)> resize; // for list: set the element count
    std::function<std::size_t()> length;     // for list: current element count (optional; dumps need it)
    std::string element_doc;

    bool is_scalar() const { return kind != param_kind::group && kind != param_kind::list; }
    // Parses `text` in this parameter's human units, checks the range (and
    // the choices) and stores it through the setter. Throws
    // std::invalid_argument with a readable reason ("expected a size such as
    // 4KiB, got 'banana'", "must be ≤ 64GiB, got 128GiB"). Scalar kinds only.
    void assign(const std::string& text) const;
    // "≥ 1ns", "1 … 64", "≤ 64GiB", "lt | at" or "" — for the reference.
    std::string range_text() const;
    // Accepted units for the kind ("ps, ns, us, ms, s"), or `unit`, or "".
    std::string unit_text() const;
};

class param_group {
public:
    explicit param_group(std::string path = "", std::string doc = "");
    ~param_group();
    param_group(const param_group&) = delete;
    param_group& operator=(const param_group&) = delete;

    const std::string& path() const { return path_; }
    const std::string& doc() const { return doc_; }

    // Each binder returns the new param so a caller may add a display unit:
    // g.real("bytes_per_cycle", c.bpc, "…").unit = "B/cycle";
    param& size(const char* key, std::uint64_t& bytes, const char* doc, param_range r = {});
    param& time(const char* key, std::uint64_t& ps, const char* doc, param_range r = {});
    param& frequency(const char* key, double& hz, const char* doc, param_range r = {});
    param& bitrate(const char* key, double& bits_per_s, const char* doc, param_range r = {});
    param& count(const char* key, std::uint64_t& n, const char* doc, param_range r = {});
    param& count(const char* key, unsigned& n, const char* doc, param_range r = {});
    param& integer(const char* key, std::int64_t& n, const char* doc, param_range r = {});
    param& real(const char* key, double& x, const char* doc, param_range r = {});
    param& flag(const char* key, bool& b, const char* doc);
    param& text(const char* key, std::string& s, const char* doc);
    param& choice(const char* key, std::string& s, std::vector<std::string> choices, const char* doc);
    // A nested group, e.g. "iotlb" inside "iommu".
    param_group& group(const char* key, const char* doc);
    // A list of elements (YAML sequence); resize is called with the element
    // count before make_element(i) for each element. The reference documents
    // the fields of element 0 made on a default-constructed element.
    void list(const char* key, const char* doc, std::function<void(std::size_t)> resize, list_binder make_element,
              std::function<std::size_t()> length = {});
    // Shorthand for a std::vector of config structs that have a
    // describe(param_group&, T&) overload:  g.list_of("traffic", "…", c.traffic);
    template <class T>
    void list_of(const char* key, const char* doc, std::vector<T>& v) {
        list(key, doc, [&v](std::size_t n) { v.resize(n); },
             [&v](param_group& e, std::size_t i) { describe(e, v[i]); }, [&v] { return v.size(); });
    }

    const std::vector<std::unique_ptr<param>>& params() const { return params_; }
    const param* find(const std::string& key) const;

private:
    param& add(const char* key, param_kind kind, const char* doc);
    std::string path_;
    std::string doc_;
    std::vector<std::unique_ptr<param>> params_;
};

// Human-unit parsing and formatting shared by the parser, --set and the docs.
// Each throws std::invalid_argument with a readable reason on bad input.
std::uint64_t parse_size(const std::string& s);        // "4KiB", "1MiB", "4096", "0x1000", "1.5GB"
std::uint64_t parse_time_ps(const std::string& s);     // "10ns", "1.5us", "20 ps", "0"
double parse_frequency(const std::string& s);          // "1GHz", "1.5GHz", "800MHz"
double parse_bitrate(const std::string& s);            // "12Gb/s", "6Gbps", "600MB/s"
std::string format_size(std::uint64_t bytes);
std::string format_time_ps(std::uint64_t ps);          // shortest exact form ("10000023us"): dumps, references
std::string format_time_readable(std::uint64_t ps);    // exact, in the largest unit not above it ("10.000023s"): messages
std::string format_frequency(double hz);
std::string format_bitrate(double bits_per_s);
std::uint64_t parse_count(const std::string& s);       // "16", "0x10"
std::int64_t parse_integer(const std::string& s);      // "-3", "0x10"
double parse_real(const std::string& s);               // "0.5", "1e-3"
bool parse_flag(const std::string& s);                 // true/false, yes/no, on/off

// Restricted Damerau–Levenshtein (optimal string alignment) distance, and the
// closest candidate within a distance that suits the word's length ("" when
// none is close): used for "did you mean" hints.
std::size_t edit_distance(const std::string& a, const std::string& b);
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

} // namespace ddisim::tlm

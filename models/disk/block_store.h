// block_store — the bytes of a disk's medium. Plain C++, no SystemC.
//
// sparse_block_store: only chunks that have been written with non-zero data
// occupy host memory (a hash map of fixed-size chunks), so a 1 TB disk costs
// nothing until it is written; unwritten bytes read as zeros.
// image_block_store: a raw image file read with pread and written with
// pwrite; opened read-only unless writable.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

namespace ddisim::models {

struct disk_config;

class block_store {
public:
    virtual ~block_store() = default;
    // Bytes of medium.
    virtual std::uint64_t size() const = 0;
    virtual bool writable() const = 0;
    // Byte-addressed access; the caller keeps [offset, offset + len) within
    // size(). Return false on a host I/O error.
    virtual bool read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
    virtual bool write(std::uint64_t offset, std::span<const std::uint8_t> in) = 0;
    // Makes written data durable on the host (fdatasync for images).
    virtual bool flush() { return true; }
    // Host memory this store holds for data (its own accounting).
    virtual std::uint64_t resident_bytes() const = 0;
};

class sparse_block_store final : public block_store {
public:
    static constexpr std::uint64_t default_chunk = 4096;
    explicit sparse_block_store(std::uint64_t size, std::uint64_t chunk = default_chunk);
    std::uint64_t size() const override { return size_; }
    bool writable() const override { return true; }
    bool read(std::uint64_t offset, std::span<std::uint8_t> out) override;
    bool write(std::uint64_t offset, std::span<const std::uint8_t> in) override;
    // Chunk payloads plus an estimate of the hash map's own nodes and buckets.
    std::uint64_t resident_bytes() const override;
    std::uint64_t chunks() const { return map_.size(); }
    std::uint64_t chunk_size() const { return chunk_; }

private:
    std::uint64_t size_;
    std::uint64_t chunk_;
    std::unordered_map<std::uint64_t, std::unique_ptr<std::uint8_t[]>> map_;
};

class image_block_store final : public block_store {
public:
    // Opens `path`; throws std::runtime_error with the path and the reason
    // when it cannot be opened or its size is not `expected_size` (0 = take
    // the file's size) or not a multiple of block_size.
    image_block_store(const std::string& path, bool writable, std::uint64_t expected_size, std::uint64_t block_size);
    ~image_block_store() override;
    image_block_store(const image_block_store&) = delete;
    image_block_store& operator=(const image_block_store&) = delete;
    std::uint64_t size() const override { return size_; }
    bool writable() const override { return writable_; }
    bool read(std::uint64_t offset, std::span<std::uint8_t> out) override;
    bool write(std::uint64_t offset, std::span<const std::uint8_t> in) override;
    bool flush() override;
    std::uint64_t resident_bytes() const override { return 0; }

private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
    bool writable_ = false;
};

// The store a configuration asks for (image when cfg.image is set).
std::unique_ptr<block_store> make_block_store(const disk_config& cfg);

} // namespace ddisim::models

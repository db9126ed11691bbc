#pragma once
// Saving HDF5 files so that a kill, a full disk or a failed write at any moment leaves the
// previous file untouched and the process able to exit cleanly (internal: HDF5, no torch).

#include <H5Cpp.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace memloc::core {

/// Runs `edit` on a copy of `path` ("<path>.saving") and renames the copy over it once the edit
/// is complete and on disk. HDF5 1.10 rewrites its metadata in place, and a SIGKILL in the middle
/// of an in-place save was measured to leave files that could not be opened.
///
/// `reserveBytes` (an upper bound of what the edit adds) is allocated on the disk before HDF5
/// writes anything: a full disk then fails here, with a clear message, instead of inside HDF5,
/// which after a failed write keeps the file open and crashes when the process exits (HDF5
/// 1.10.8). Errors name `path`, say "cannot save <doing>" and end with `unchanged` (what the
/// user still has, e.g. "; the file keeps the epochs saved before").
void editCopy(const std::string& path, const std::string& doing, const std::string& unchanged,
              std::uint64_t reserveBytes, const std::function<void(H5::H5File&)>& edit);

/// Runs `edit` on `path` itself, for files not yet in their final place (an import's temporary
/// file): `reserveBytes` is allocated first, as editCopy does, so HDF5 never meets a full disk.
/// Errors name `path` and say "cannot save <doing>".
void editInPlace(const std::string& path, const std::string& doing, std::uint64_t reserveBytes,
                 const std::function<void(H5::H5File&)>& edit);

/// Allocates `extraBytes` on the disk beyond the current end of `path`; returns 0 or the errno.
int reserveSpace(const std::string& path, std::uint64_t extraBytes);

/// Flushes a file's data to the disk (so a rename that follows cannot overtake it after a power
/// cut). Returns false on an I/O error (errno set).
bool syncFile(const std::string& path);

/// An HDF5 file held in memory only (core driver, no backing store), for building a file or an
/// object completely before anything touches the disk. `name` only labels it in HDF5 messages.
H5::H5File createMemoryFile(const std::string& name);

/// The bytes of an open HDF5 file (after flushing it), as a file on disk would hold them.
std::string fileImage(H5::H5File& file);

/// Writes `bytes` to "<path>.partial", syncs it and renames it over `path`; on any failure the
/// partial file is removed and Error names `path` and the cause (e.g. no space left).
void writeNewFile(const std::string& path, const std::string& bytes, const std::string& what);

/// Creates "<path>.partial" on disk for a new HDF5 file of at most about `bytes` bytes, too large
/// to build in memory: checks the free space of the folder, reserves `bytes` on the disk before
/// HDF5 touches the file and again once HDF5 has created it, before it writes anything else, so a
/// full disk (or a file size limit) fails here with one clear error and HDF5 never meets it. The
/// file uses the earliest formats (no "file open" flags for a killed writer to leave behind) and
/// its root group records no object times. Error: "<path>: cannot write <what> (...)" + `need`
/// (e.g. "; a run of 50 epochs needs 1.3 GiB"); no partial file is left then.
H5::H5File createReservedFile(const std::string& path, std::uint64_t bytes, const std::string& what,
                              const std::string& need);

/// Reserves the first `bytes` of "<path>.partial" (made by createReservedFile) on the disk; on
/// failure removes it and throws Error like createReservedFile.
void reserveNewFile(const std::string& path, std::uint64_t bytes, const std::string& what, const std::string& need);

/// Closes `file` ("<path>.partial"), gives back reserved space beyond the end of the HDF5 file,
/// syncs it and renames it over `path`. On failure removes the partial file; Error names `path`.
void finishNewFile(H5::H5File& file, const std::string& path, const std::string& what);

/// Bytes to write at an offset of a file.
struct RawWrite {
    std::uint64_t offset = 0;
    const void* data = nullptr;
    std::size_t size = 0;
};

/// Saves into `fd` (open for writing on `path`) without HDF5: reserves the file's whole length on
/// the disk, writes `data`, waits until it is on the disk, then writes `commit` (what marks the
/// data valid, e.g. a count of complete epochs) and waits again. A kill at any moment leaves
/// either the old `commit` bytes (and `data` maybe partly written) or everything written; no
/// other byte of the file changes. Blocks. Errors name `path`, say
/// "cannot save <doing>" and end with `unchanged`.
void writeInPlace(int fd, const std::string& path, const std::vector<RawWrite>& data, const RawWrite& commit,
                  const std::string& doing, const std::string& unchanged);

} // namespace memloc::core

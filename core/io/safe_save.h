#pragma once
// Saving HDF5 files so that a kill, a full disk or a failed write at any moment leaves the
// previous file untouched and the process able to exit cleanly (internal: HDF5, no torch).

#include <H5Cpp.h>

#include <cstdint>
#include <functional>
#include <string>

namespace memloc::core {

/// Runs `edit` on a copy of `path` ("<path>.saving") and renames the copy over it once the edit
/// is complete and on disk. HDF5 1.10 rewrites its metadata in place, and a SIGKILL in the middle
/// of an in-place save was measured to leave files that could not be opened (issue #7).
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

} // namespace memloc::core

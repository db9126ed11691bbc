#include "io/safe_save.h"

#include "io/file_util.h"
#include "memloc/error.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace memloc::core {

namespace fs = std::filesystem;

namespace {

/// Opens `file` for writing, runs `edit`, flushes and closes it (HDF5 exceptions pass through).
void applyEdit(const std::string& file, const std::function<void(H5::H5File&)>& edit) {
    H5::H5File h5(file, H5F_ACC_RDWR);
    edit(h5);
    h5.flush(H5F_SCOPE_GLOBAL);
    h5.close();
}

/// File access with the original superblock (version 0). It has no checksum: with the 1.8 and
/// later ones, HDF5 1.10's H5Fget_file_image clears the "open for writing" flag in the image
/// without updating the superblock's checksum, and the written file cannot be opened (checked
/// with h5py too). Nor does it record that a writer has the file open, so a writer killed with
/// the file open leaves a file every reader opens. Objects keep the formats a default file access
/// gives them (the earliest that can hold them).
H5::FileAccPropList earliestFormats() {
    H5::FileAccPropList access;
    access.setLibverBounds(H5F_LIBVER_EARLIEST, H5F_LIBVER_V18);
    return access;
}

int writeAll(int fd, std::uint64_t offset, const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::pwrite(fd, bytes + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? errno : EIO;
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

/// Opens `path` with `flags` and allocates its first `bytes` on the disk; returns 0 or the errno.
int allocateFirst(const std::string& path, std::uint64_t bytes, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
    if (fd < 0) return errno;
    const int result = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
    ::close(fd);
    return result;
}

} // namespace

int reserveSpace(const std::string& path, std::uint64_t extraBytes) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec) return ec.value();
    return allocateFirst(path, size + extraBytes, O_RDWR);
}

bool syncFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

void editCopy(const std::string& path, const std::string& doing, const std::string& unchanged,
              std::uint64_t reserveBytes, const std::function<void(H5::H5File&)>& edit) {
    const std::string saving = path + ".saving";
    removeQuietly(saving);  // left by a process killed while saving
    std::error_code ec;
    fs::copy_file(path, saving, fs::copy_options::overwrite_existing, ec);
    if (ec) {
        removeQuietly(saving);
        throw Error(path + ": cannot save " + doing + ": copying the run file failed (" + ec.message() + ")" + unchanged);
    }
    if (const int reserved = reserveSpace(saving, reserveBytes); reserved != 0) {
        removeQuietly(saving);
        throw Error(path + ": cannot save " + doing + ": no room for it (" + std::strerror(reserved) + ")" + unchanged);
    }
    H5::Exception::dontPrint();
    try {
        applyEdit(saving, edit);
    } catch (const H5::Exception& e) {
        removeQuietly(saving);
        throw Error(path + ": cannot save " + doing + ": HDF5 write failed (" + e.getDetailMsg() +
                    "; disk full or not writable?)" + unchanged);
    } catch (...) {
        removeQuietly(saving);
        throw;
    }
    if (!syncFile(saving)) {
        const int error = errno;
        removeQuietly(saving);
        throw Error(path + ": cannot save " + doing + ": writing to the disk failed (" + std::strerror(error) + ")" +
                    unchanged);
    }
    fs::rename(saving, path, ec);
    if (ec) {
        removeQuietly(saving);
        throw Error(path + ": cannot save " + doing + ": renaming the saved copy into place failed (" + ec.message() +
                    ")" + unchanged);
    }
}

void editInPlace(const std::string& path, const std::string& doing, std::uint64_t reserveBytes,
                 const std::function<void(H5::H5File&)>& edit) {
    if (const int reserved = reserveSpace(path, reserveBytes); reserved != 0)
        throw Error(path + ": cannot save " + doing + ": no room for it (" + std::strerror(reserved) + ")");
    H5::Exception::dontPrint();
    try {
        applyEdit(path, edit);
    } catch (const H5::Exception& e) {
        throw Error(path + ": cannot save " + doing + ": HDF5 write failed (" + e.getDetailMsg() + ")");
    }
}

H5::H5File createMemoryFile(const std::string& name) {
    H5::FileAccPropList access = earliestFormats();
    access.setCore(1 << 20, /*backing_store=*/false);
    return H5::H5File(name, H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, access);
}

std::string fileImage(H5::H5File& file) {
    file.flush(H5F_SCOPE_GLOBAL);
    const ssize_t size = H5Fget_file_image(file.getId(), nullptr, 0);
    if (size < 0) throw H5::FileIException("H5Fget_file_image", "cannot get the file image size");
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (H5Fget_file_image(file.getId(), bytes.data(), bytes.size()) != size)
        throw H5::FileIException("H5Fget_file_image", "cannot copy the file image");
    return bytes;
}

void writeNewFile(const std::string& path, const std::string& bytes, const std::string& what) {
    const std::string partial = path + ".partial";
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) throw Error(path + ": cannot write " + what + " (" + std::strerror(errno) + ")");
    int error = bytes.empty() ? 0 : ::posix_fallocate(fd, 0, static_cast<off_t>(bytes.size()));
    for (std::size_t done = 0; error == 0 && done < bytes.size();) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) error = n < 0 ? errno : EIO;
        else done += static_cast<std::size_t>(n);
    }
    if (error == 0 && ::fsync(fd) != 0) error = errno;
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error != 0) {
        removeQuietly(partial);
        throw Error(path + ": cannot write " + what + " (" + std::strerror(error) + ")");
    }
    moveIntoPlace(partial, path);
}

H5::H5File createReservedFile(const std::string& path, std::uint64_t bytes, const std::string& what,
                              const std::string& need) {
    const std::string partial = path + ".partial";
    auto fail = [&](int error) {
        removeQuietly(partial);
        return Error(path + ": cannot write " + what + " (" + std::strerror(error) + ")" + need);
    };
    struct statvfs disk {};
    const std::string folder = fs::absolute(path).parent_path().string();
    if (::statvfs(folder.c_str(), &disk) == 0 && static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize < bytes)
        throw fail(ENOSPC);
    // Tried before HDF5 touches the file (it would fail to write, then crash at exit), and again
    // once HDF5 has created it, truncating it.
    int error = allocateFirst(partial, bytes, O_RDWR | O_CREAT | O_TRUNC);
    if (error != 0) throw fail(error);
    H5::FileCreatPropList creation;
    if (H5Pset_obj_track_times(creation.getId(), false) < 0) throw fail(EINVAL);
    H5::Exception::dontPrint();
    auto create = [&] {
        try {
            return H5::H5File(partial, H5F_ACC_TRUNC, creation, earliestFormats());
        } catch (const H5::Exception& e) {
            removeQuietly(partial);
            throw Error(path + ": cannot write " + what + " (" + e.getDetailMsg() + ")");
        }
    };
    H5::H5File file = create();
    error = allocateFirst(partial, bytes, O_RDWR);
    if (error != 0) {
        try {
            file.close();  // nothing but the superblock and the root group to write yet
        } catch (const H5::Exception&) {
        }
        throw fail(error);
    }
    return file;
}

void reserveNewFile(const std::string& path, std::uint64_t bytes, const std::string& what, const std::string& need) {
    const std::string partial = path + ".partial";
    const int error = allocateFirst(partial, bytes, O_RDWR);
    if (error != 0) {
        removeQuietly(partial);
        throw Error(path + ": cannot write " + what + " (" + std::strerror(error) + ")" + need);
    }
}

void finishNewFile(H5::H5File& file, const std::string& path, const std::string& what) {
    const std::string partial = path + ".partial";
    haddr_t end = HADDR_UNDEF;
    try {
        file.flush(H5F_SCOPE_GLOBAL);
        if (H5Fget_eoa(file.getId(), &end) < 0) end = HADDR_UNDEF;
        file.close();
    } catch (const H5::Exception& e) {
        removeQuietly(partial);
        throw Error(path + ": cannot write " + what + " (" + e.getDetailMsg() + ")");
    }
    // HDF5 cuts the file to its end when that moved; otherwise the reservation beyond it stays.
    std::error_code ec;
    if (end != HADDR_UNDEF && fs::file_size(partial, ec) > end && !ec && ::truncate(partial.c_str(), static_cast<off_t>(end)) != 0)
        ec.assign(errno, std::generic_category());
    if (ec || !syncFile(partial)) {
        const std::string why = ec ? ec.message() : std::strerror(errno);
        removeQuietly(partial);
        throw Error(path + ": cannot write " + what + " (" + why + ")");
    }
    moveIntoPlace(partial, path);
}

void writeInPlace(int fd, const std::string& path, const std::vector<RawWrite>& data, const RawWrite& commit,
                  const std::string& doing, const std::string& unchanged) {
    struct stat st {};
    int error = ::fstat(fd, &st) != 0 ? errno : ::posix_fallocate(fd, 0, st.st_size);
    if (error != 0)
        throw Error(path + ": cannot save " + doing + ": no room for it (" + std::strerror(error) + ")" + unchanged);
    for (const RawWrite& w : data)
        if (error == 0) error = writeAll(fd, w.offset, w.data, w.size);
    if (error == 0 && ::fdatasync(fd) != 0) error = errno;
    if (error == 0) error = writeAll(fd, commit.offset, commit.data, commit.size);
    if (error == 0 && ::fdatasync(fd) != 0) error = errno;
    if (error != 0)
        throw Error(path + ": cannot save " + doing + ": writing to the disk failed (" + std::strerror(error) + ")" +
                    unchanged);
}

} // namespace memloc::core

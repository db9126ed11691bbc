# What the LibTorch found by find_package(Torch) asks of the build. memloc builds against LibTorch
# 1.13 (Debian 12's CPU package) and 2.x (CUDA or CPU: an official download, the LibTorch inside
# the PyTorch wheel, a newer distribution's package).
#
# Sets, for every target defined afterwards:
#   CMAKE_CXX_STANDARD     17, or 20 when this LibTorch's headers need C++20 (LibTorch 2.12 and
#                          later declare it as a compile feature of their torch target)
#   MEMLOC_TORCH_CUDA      ON when this LibTorch is a CUDA build (memloc then also queries the CUDA
#                          runtime for the GPUs it reports; it compiles no CUDA code itself)

set(MEMLOC_CXX_STANDARD 17)
if(TARGET torch)
  get_target_property(_memloc_torch_features torch INTERFACE_COMPILE_FEATURES)
  if(_memloc_torch_features MATCHES "cxx_std_2[0-9]")
    string(REGEX MATCH "cxx_std_2[0-9]" _memloc_std "${_memloc_torch_features}")
    string(REPLACE "cxx_std_" "" MEMLOC_CXX_STANDARD "${_memloc_std}")
  endif()
endif()
set(CMAKE_CXX_STANDARD ${MEMLOC_CXX_STANDARD})
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)

set(MEMLOC_TORCH_CUDA OFF)
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
  set(MEMLOC_TORCH_CUDA ON)
endif()

message(STATUS "memloc: LibTorch ${Torch_VERSION} (${Torch_DIR}), CUDA build: ${MEMLOC_TORCH_CUDA}, C++${CMAKE_CXX_STANDARD}")

# The LibTorch inside the PyTorch wheel (2.x, built with a newer toolchain) carries its own copy of
# parts of libstdc++'s std::filesystem and exports it from libtorch.so. A program that links
# libtorch.so ahead of libstdc++ then binds its std::filesystem calls to that copy, whose
# remove_all crashes against Debian 12's libstdc++. Naming libstdc++ first on every link line
# makes the dynamic linker find the system's own implementation first; with any other LibTorch
# this changes nothing.
add_link_options("LINKER:--push-state,--no-as-needed" "-lstdc++" "LINKER:--pop-state")

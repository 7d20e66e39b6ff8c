# Finds Apache Arrow's C++ Parquet reader inside the venv's pyarrow wheel (the way LibTorch is
# found inside the torch wheel): sets ArrowParquet_INCLUDE_DIR and ArrowParquet_LIBRARIES
# (libparquet + libarrow). The wheel ships versioned sonames only (libarrow.so.2600), so those
# are linked by full path; the binary finds them at run time through its RPATH. Needs
# R1F_PYTHON.
if(NOT R1F_PYTHON)
  message(FATAL_ERROR "FindArrowParquet: R1F_PYTHON (the venv's python) is not set; "
                      "configure through scripts/build.sh")
endif()
execute_process(
  COMMAND ${R1F_PYTHON} -c "import pyarrow; print(pyarrow.get_include()); print(pyarrow.get_library_dirs()[0]); print(pyarrow.__version__)"
  OUTPUT_VARIABLE _r1f_pyarrow OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _r1f_pyarrow_rc)
if(NOT _r1f_pyarrow_rc EQUAL 0)
  message(FATAL_ERROR "FindArrowParquet: pyarrow is not installed in ${R1F_PYTHON}'s venv "
                      "(scripts/setup.sh installs third_party/requirements-parquet.txt)")
endif()
string(REPLACE "\n" ";" _r1f_pyarrow "${_r1f_pyarrow}")
list(GET _r1f_pyarrow 0 ArrowParquet_INCLUDE_DIR)
list(GET _r1f_pyarrow 1 ArrowParquet_LIBRARY_DIR)
list(GET _r1f_pyarrow 2 ArrowParquet_VERSION)
file(GLOB ArrowParquet_ARROW_LIBRARY "${ArrowParquet_LIBRARY_DIR}/libarrow.so.[0-9]*")
file(GLOB ArrowParquet_PARQUET_LIBRARY "${ArrowParquet_LIBRARY_DIR}/libparquet.so.[0-9]*")
list(FILTER ArrowParquet_ARROW_LIBRARY EXCLUDE REGEX "\\.so\\.[0-9]+\\.")
list(FILTER ArrowParquet_PARQUET_LIBRARY EXCLUDE REGEX "\\.so\\.[0-9]+\\.")
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ArrowParquet
  REQUIRED_VARS ArrowParquet_PARQUET_LIBRARY ArrowParquet_ARROW_LIBRARY ArrowParquet_INCLUDE_DIR
  VERSION_VAR ArrowParquet_VERSION)
if(ArrowParquet_FOUND)
  set(ArrowParquet_LIBRARIES "${ArrowParquet_PARQUET_LIBRARY};${ArrowParquet_ARROW_LIBRARY}")
  message(STATUS "r1forge: Arrow/Parquet ${ArrowParquet_VERSION} from ${ArrowParquet_LIBRARY_DIR}")
endif()

# The installed package, as a program outside Retort's tree uses it (ctest "package"):
#  1. installs the build tree BUILD into WORK/prefix (cmake --install);
#  2. configures and builds tests/package (find_package(retort REQUIRED COMPONENTS sqlite), retort::sqlite),
#     runs it (an in-memory SQLite query), and checks that the program depends on neither libpq nor
#     Retort's PostgreSQL backend;
#  3. checks that an unknown component makes find_package(retort REQUIRED COMPONENTS ...) fail, and that the
#     auroradsql component finds its dependencies (libpq, libcrypto, libcurl, libpg_query);
#  4. checks the pkg-config module retort-sqlite: its flags, and that it brings no libpq.
# Arguments: -DBUILD= -DSRC= -DWORK= -DGENERATOR= -DCXX= [-DLAUNCHER=] [-DBUILD_TYPE=] [-DSANITIZE=ON]
foreach(var BUILD SRC WORK GENERATOR CXX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check.cmake needs -D${var}=...")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})

set(configure_args -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${prefix})
if(LAUNCHER)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
if(BUILD_TYPE)
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
endif()
# --as-needed: a shared backend library the program does not reference would be left out (it is referenced,
# see retort/detail/backends.hpp).
set(link_flags "-Wl,--as-needed")
if(SANITIZE)
  # Retort's libraries were built with the sanitizers: the program links their runtimes.
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined")
  string(APPEND link_flags " -fsanitize=address,undefined")
endif()
list(APPEND configure_args "-DCMAKE_EXE_LINKER_FLAGS=${link_flags}")

# 2. The program.
run(${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build ${configure_args})
run(${CMAKE_COMMAND} --build ${WORK}/build)
set(program ${WORK}/build/consumer)
run(${program})
if(NOT out MATCHES "answer 42")
  message(FATAL_ERROR "the program printed '${out}', not 'answer 42'")
endif()
find_program(READELF readelf REQUIRED)
find_program(NM nm REQUIRED)
run(${READELF} -d ${program})
if(out MATCHES "libpq|libretort_postgresql|libretort_auroradsql|libcrypto")
  string(REGEX MATCHALL "\\[[^]]*\\]" needed "${out}")
  message(FATAL_ERROR "the program linked with retort::sqlite alone needs ${needed}")
endif()
run(${NM} -C ${program})
if(out MATCHES "[ \n](PQ[a-zA-Z]+|retort::postgresql::[^\n]*)")
  message(FATAL_ERROR "the program linked with retort::sqlite alone holds '${CMAKE_MATCH_1}'")
endif()
if(NOT out MATCHES "sqlite3_(open_v2|prepare_v2)|retort::detail::link_sqlite_backend")
  message(FATAL_ERROR "the program holds no trace of the SQLite backend")
endif()
message(STATUS "${program}: answer 42; no libpq, no PostgreSQL backend")

# 3. An unknown component fails find_package(... REQUIRED).
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build-unknown ${configure_args}
                        "-DRETORT_COMPONENTS=sqlite;nosuchdb"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(retort REQUIRED COMPONENTS sqlite nosuchdb) succeeded")
endif()
if(NOT err MATCHES "nosuchdb")
  message(FATAL_ERROR "find_package(retort) failed for the unknown component without naming it:\n${err}")
endif()

# 3b. The auroradsql component finds its dependencies (libpq, libcrypto, libcurl, libpg_query) through the package
#     config.
run(${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build-dsql ${configure_args} "-DRETORT_COMPONENTS=sqlite;auroradsql")

# 4. pkg-config.
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  file(GLOB pcdir LIST_DIRECTORIES true ${prefix}/lib*/pkgconfig ${prefix}/lib*/*/pkgconfig)
  set(ENV{PKG_CONFIG_PATH} "${pcdir}")
  run(${PKG_CONFIG} --define-variable=prefix=${prefix} --cflags --libs retort-sqlite)
  string(STRIP "${out}" flags)
  foreach(want "-DRETORT_BACKEND_SQLITE" "-lretort_sqlite" "-lretort" "-I${prefix}/include")
    string(FIND " ${flags} " " ${want} " at)
    if(at EQUAL -1)
      message(FATAL_ERROR "pkg-config retort-sqlite gives '${flags}', without ${want}")
    endif()
  endforeach()
  run(${PKG_CONFIG} --define-variable=prefix=${prefix} --static --libs retort-sqlite)
  if(NOT out MATCHES "-lsqlite3" OR out MATCHES "-lpq|-lretort_postgresql")
    message(FATAL_ERROR "pkg-config --static retort-sqlite gives '${out}'")
  endif()
  run(${PKG_CONFIG} --define-variable=prefix=${prefix} --cflags --libs retort-auroradsql)
  if(NOT out MATCHES "-DRETORT_BACKEND_AURORADSQL" OR NOT out MATCHES "-DRETORT_BACKEND_POSTGRESQL"
     OR NOT out MATCHES "-lretort_auroradsql -lretort_postgresql -lretort")
    message(FATAL_ERROR "pkg-config retort-auroradsql gives '${out}'")
  endif()
  # The AWS credential sources' HTTP client and the strict checker's parser: a static link of the DSQL backend
  # needs libcurl and libpg_query too.
  run(${PKG_CONFIG} --define-variable=prefix=${prefix} --static --libs retort-auroradsql)
  if(NOT out MATCHES "-lcurl" OR NOT out MATCHES "-lcrypto" OR NOT out MATCHES "-lpq" OR NOT out MATCHES "-lpg_query")
    message(FATAL_ERROR "pkg-config --static retort-auroradsql gives '${out}', without libcurl, libcrypto, libpq or libpg_query")
  endif()
  message(STATUS "pkg-config: ${flags}")
endif()

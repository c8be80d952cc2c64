# The installed package, as a program outside Retort's tree uses it (ctest "package"):
#  1. installs the build tree BUILD (cmake --install) and moves the install to WORK/prefix, where everything below
#     uses it; runs the installed `retort --help`;
#  2. configures and builds tests/package (find_package(retort REQUIRED COMPONENTS sqlite), retort::sqlite),
#     runs it (an in-memory SQLite query), and checks that the program depends on neither libpq nor
#     Retort's PostgreSQL backend;
#  3. checks that an unknown component makes find_package(retort REQUIRED COMPONENTS ...) fail, and that the
#     auroradsql component finds its dependencies (libpq, libcrypto, libcurl, libpg_query);
#  4. checks the pkg-config modules: relocatable (no prefix but their own folder's), and complete: a program
#     built with plain `pkg-config --cflags --libs retort-<backend>` (no --static) links and runs, for each;
#  5. builds the two programs of README.md's "Using Retort in a CMake project" exactly as it shows them (its
#     code blocks after the <!-- package-test: NAME --> markers: app.cpp, its CMakeLists.txt and the shell
#     commands that build and run it with CMake and with pkg-config), with the install prefix for /opt/retort;
#  6. runs seed 004's migration steps with the installed retort command and a runner the project builds
#     (migrate_workflow.sh), on SQLite and, with RETORT_TEST_CLI_PG_URL set, on PostgreSQL.
#  Steps 5 and 6 are left out for libraries built with the sanitizers.
# Arguments: -DBUILD= -DSRC= -DWORK= -DGENERATOR= -DCXX= -DREADME= [-DLAUNCHER=] [-DBUILD_TYPE=] [-DSANITIZE=ON]
#            [-DSHARED=ON]
foreach(var BUILD SRC WORK GENERATOR CXX README)
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
file(MAKE_DIRECTORY ${WORK})
set(prefix ${WORK}/prefix)
# Installed in one place and used from another: nothing in the install may name where it was made.
run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${WORK}/installed)
file(RENAME ${WORK}/installed ${prefix})
# The library folder (lib, lib64 or lib/<multiarch>): where the CMake package is, two folders up.
file(GLOB_RECURSE config ${prefix}/*/retortConfig.cmake)
get_filename_component(libdir "${config}/../../.." REALPATH)
# Shared libraries installed outside the loader's path: programs built by pkg-config find them through
# LD_LIBRARY_PATH (CMake gives its programs a RUNPATH; the installed retort command has its own).
if(SHARED)
  set(ENV{LD_LIBRARY_PATH} "${libdir}")
endif()

# 1. The retort command.
foreach(file bin/retort include/retort/retort.hpp include/retort/export.hpp)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "cmake --install did not install ${file}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${prefix}/bin/retort --help
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "Usage: retort " OR NOT out MATCHES "migrate")
  message(FATAL_ERROR "the installed retort --help failed (${rc}):\n${out}\n${err}")
endif()

# The headers are C++20, which compilers that default to C++17 (g++ 12) must be asked for: the exported
# targets carry the feature.
file(READ ${libdir}/cmake/retort/retortTargets.cmake targets)
if(NOT targets MATCHES "INTERFACE_COMPILE_FEATURES \"cxx_std_20\"")
  message(FATAL_ERROR "retortTargets.cmake does not ask for C++20 (INTERFACE_COMPILE_FEATURES cxx_std_20)")
endif()

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

# 3b. The auroradsql component finds its dependencies through the package config (with static libraries: libpq,
#     libcrypto, libcurl, libpg_query; shared ones need none).
run(${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build-dsql ${configure_args} "-DRETORT_COMPONENTS=sqlite;auroradsql")

# 4. pkg-config, as a program finds the modules: PKG_CONFIG_PATH, nothing else.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${libdir}/pkgconfig")
foreach(module retort retort-sqlite retort-postgresql retort-auroradsql retort-mysql)
  file(READ ${libdir}/pkgconfig/${module}.pc pc)
  if(NOT pc MATCHES "^prefix=\\$\\{pcfiledir\\}/")
    message(FATAL_ERROR "${module}.pc does not find its prefix from its own folder:\n${pc}")
  endif()
endforeach()
run(${PKG_CONFIG} --cflags --libs retort-sqlite)
string(STRIP "${out}" flags)
separate_arguments(words UNIX_COMMAND "${flags}")
set(include_dir)
foreach(word ${words})
  if(word MATCHES "^-I(.*)")
    get_filename_component(include_dir "${CMAKE_MATCH_1}" REALPATH)
  endif()
endforeach()
get_filename_component(want_include "${prefix}/include" REALPATH)
if(NOT include_dir STREQUAL want_include)
  message(FATAL_ERROR "pkg-config retort-sqlite gives '${flags}': its -I is not ${want_include}")
endif()
foreach(want "-DRETORT_BACKEND_SQLITE" "-lretort_sqlite" "-lretort" "-std=c++20")
  string(FIND " ${flags} " " ${want} " at)
  if(at EQUAL -1)
    message(FATAL_ERROR "pkg-config retort-sqlite gives '${flags}', without ${want}")
  endif()
endforeach()
# Static libraries: their dependencies are the program's to link, so plain --libs names them; shared
# libraries bring their own, which stay private.
if(SHARED)
  if(flags MATCHES "-lsqlite3")
    message(FATAL_ERROR "pkg-config retort-sqlite gives '${flags}': libsqlite3 for shared libraries")
  endif()
elseif(NOT flags MATCHES "-lsqlite3")
  message(FATAL_ERROR "pkg-config retort-sqlite gives '${flags}', without -lsqlite3 for static libraries")
endif()
run(${PKG_CONFIG} --static --libs retort-sqlite)
if(NOT out MATCHES "-lsqlite3" OR out MATCHES "-lpq|-lretort_postgresql")
  message(FATAL_ERROR "pkg-config --static retort-sqlite gives '${out}'")
endif()
run(${PKG_CONFIG} --cflags --libs retort-auroradsql)
if(NOT out MATCHES "-DRETORT_BACKEND_AURORADSQL" OR NOT out MATCHES "-DRETORT_BACKEND_POSTGRESQL"
   OR NOT out MATCHES "-lretort_auroradsql.*-lretort_postgresql.*-lretort( |$)")
  message(FATAL_ERROR "pkg-config retort-auroradsql gives '${out}'")
endif()
# The AWS credential sources' HTTP client and the strict checker's parser: a static link of the DSQL backend
# needs libcurl and libpg_query too.
run(${PKG_CONFIG} --static --libs retort-auroradsql)
if(NOT out MATCHES "-lcurl" OR NOT out MATCHES "-lcrypto" OR NOT out MATCHES "-lpq" OR NOT out MATCHES "-lpg_query")
  message(FATAL_ERROR "pkg-config --static retort-auroradsql gives '${out}', without libcurl, libcrypto, libpq or libpg_query")
endif()
# Each module alone links a program with plain --cflags --libs: one that references its backend (through
# retort/detail/backends.hpp, as every program including engine.hpp does) and lists the URL schemes registered.
file(WRITE ${WORK}/pc/schemes.cpp [=[
#include <cstdio>
#include <retort/dialects/dialect.hpp>
int main() {
    for (const auto& scheme : retort::registered_dialects()) std::printf("%s\n", scheme.c_str());
}
]=])
foreach(module_scheme retort= retort-sqlite=sqlite retort-postgresql=postgresql retort-auroradsql=auroradsql
                      retort-mysql=mysql)
  string(REGEX REPLACE "=.*" "" module "${module_scheme}")
  string(REGEX REPLACE ".*=" "" scheme "${module_scheme}")
  run(${PKG_CONFIG} --cflags --libs ${module})
  separate_arguments(module_flags UNIX_COMMAND "${out}")
  set(sanitize_flags)
  if(SANITIZE)
    set(sanitize_flags -fsanitize=address,undefined)
  endif()
  run(${CXX} ${sanitize_flags} -o ${WORK}/pc/${module} ${WORK}/pc/schemes.cpp ${module_flags})
  run(${WORK}/pc/${module})
  if(scheme AND NOT "\n${out}" MATCHES "\n${scheme}\n")
    message(FATAL_ERROR "the program built with pkg-config ${module} registers '${out}', not ${scheme}")
  endif()
endforeach()
message(STATUS "pkg-config retort-sqlite: ${flags}; each module links a program by itself")

# 5. README.md's programs, as it shows them. Its code block after <!-- package-test: NAME -->.
function(readme_block name out)
  file(READ ${README} text)
  string(FIND "${text}" "<!-- package-test: ${name} -->" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "README.md has no <!-- package-test: ${name} --> marker")
  endif()
  string(SUBSTRING "${text}" ${at} -1 text)
  string(FIND "${text}" "```" open)
  string(SUBSTRING "${text}" ${open} -1 text)
  string(FIND "${text}" "\n" eol)
  math(EXPR eol "${eol} + 1")
  string(SUBSTRING "${text}" ${eol} -1 text)
  string(FIND "${text}" "\n```" close)
  math(EXPR close "${close} + 1")
  string(SUBSTRING "${text}" 0 ${close} text)
  set(${out} "${text}" PARENT_SCOPE)
endfunction()
if(SANITIZE)
  # The libraries hold the sanitizers' runtime calls, which README's commands do not link.
  message(STATUS "README.md's programs: not built against libraries built with the sanitizers")
  return()
endif()
readme_block(app.cpp app)
readme_block(CMakeLists.txt lists)
readme_block(cmake cmake_commands)
readme_block(pkg-config pc_commands)
foreach(way cmake pc)
  file(WRITE ${WORK}/readme-${way}/app.cpp "${app}")
endforeach()
file(WRITE ${WORK}/readme-cmake/CMakeLists.txt "${lists}")
foreach(way cmake pc)
  set(commands "${${way}_commands}")
  string(REPLACE "/opt/retort" "${prefix}" commands "${commands}")
  # Each command as README shows it, echoed first; the first to fail stops the run.
  execute_process(COMMAND sh -exc "${commands}" WORKING_DIRECTORY ${WORK}/readme-${way}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "6 \\* 7 = 42")
    message(FATAL_ERROR "README.md's ${way} commands failed (${rc}):\n${commands}\n${out}\n${err}")
  endif()
  string(REGEX MATCH "6 \\* 7 = 42" printed "${out}")
  message(STATUS "README.md's ${way} build: its program printed '${printed}'")
endforeach()

# 6. Seed 004's migration steps from the install (tests/package/migrate_workflow.sh): retort migrate init, a
#    project that builds the runner init wrote against the installed package, revision --autogenerate,
#    upgrade head, downgrade -1; on SQLite, and on PostgreSQL when RETORT_TEST_CLI_PG_URL names a database.
set(migrate_urls "sqlite:///${WORK}/migrate.db")
if(DEFINED ENV{RETORT_TEST_CLI_PG_URL} AND NOT "$ENV{RETORT_TEST_CLI_PG_URL}" STREQUAL "")
  list(APPEND migrate_urls "$ENV{RETORT_TEST_CLI_PG_URL}")
endif()
set(n 0)
foreach(url ${migrate_urls})
  math(EXPR n "${n} + 1")
  execute_process(COMMAND sh ${SRC}/migrate_workflow.sh ${prefix} ${WORK}/migrate-${n} ${url} ${configure_args}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the migrate workflow from the install failed (${rc}):\n${out}\n${err}")
  endif()
  string(STRIP "${out}" out)
  message(STATUS "${out}")
endforeach()

// RETORT_API marks what Retort's libraries export: every public class (with its members, vtable and typeinfo,
// so exceptions thrown inside the libraries are caught by their type in the program) and every free function
// of these headers that a program, or a template in them, calls.
//
// Shared libraries (-DBUILD_SHARED_LIBS=ON) are built with hidden visibility: only what is marked is in their
// dynamic symbol table, which keeps them smaller, faster to load and free of clashes with other libraries'
// internals. Static libraries are built with default visibility, where the mark changes nothing. On ELF the
// same attribute serves building the library and using it, so one macro serves all five libraries.
#pragma once

#ifndef RETORT_API
#if defined(__GNUC__) || defined(__clang__)
#define RETORT_API __attribute__((visibility("default")))
#else
#define RETORT_API
#endif
#endif

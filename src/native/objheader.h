/**
 * @file objheader.h
 * @brief Read the header every CPython object starts with.
 *
 * Every object in CPython begins with a `PyObject` header: a reference
 * count and a pointer to the object's type. Variable-size objects (tuples,
 * ints, bytes) extend it to `PyVarObject`, which adds `ob_size`, the number
 * of items. This extension module, `pyinternals.runtime._objheader`, returns
 * those fields as the C compiler sees them, so Chapter 2 can compare them
 * with what `ctypes` reads from the same addresses and with
 * `sys.getrefcount` and `type()`.
 *
 * See `Include/object.h` in CPython (the `PyObject` and `PyVarObject`
 * structs, `Py_REFCNT`, `Py_TYPE`, `Py_SIZE`).
 */
#ifndef PYINTERNALS_OBJHEADER_H
#define PYINTERNALS_OBJHEADER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/**
 * @brief The fields of an object's header, copied out at one moment.
 */
typedef struct {
    /** Address of the object: the value `id()` returns in CPython. */
    uintptr_t address;
    /** `ob_refcnt` as stored, including the caller's own references. */
    Py_ssize_t refcount;
    /** Address of the object's type, `ob_type`. */
    uintptr_t type_address;
    /** `ob_size` for variable-size objects; -1 when the type has none. */
    Py_ssize_t size;
} ObjectHeader;

/**
 * @brief Tell whether instances of a type carry an `ob_size` field.
 *
 * A type is variable-size when its `tp_itemsize` is non-zero. `int` is the
 * exception that proves the rule: its `tp_itemsize` is the size of a digit
 * and its `ob_size` field holds the signed digit count until CPython 3.12,
 * which moved the count into `lv_tag`.
 *
 * @param type The type to inspect; borrowed.
 * @return 1 if the type's instances have `ob_size`, 0 otherwise.
 */
int objheader_has_size(PyTypeObject *type);

/**
 * @brief Copy the header fields of an object.
 *
 * @param object The object to read; borrowed, never modified.
 * @param[out] header Receives the fields.
 */
void objheader_read(PyObject *object, ObjectHeader *header);

#endif /* PYINTERNALS_OBJHEADER_H */

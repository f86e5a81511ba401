/**
 * @file objheader.h
 * @brief Read the header every CPython object starts with.
 *
 * Every object in CPython begins with a `PyObject` header: a reference
 * count and a pointer to the object's type. Variable-size objects (tuples,
 * bytes, lists' and types' item counts) extend it to `PyVarObject`, which
 * adds `ob_size`, the number of items. This extension module,
 * `pyinternals.runtime._objheader`, returns those fields as the C compiler
 * sees them, so Chapter 2 can compare them with what `ctypes` reads from
 * the same addresses and with `sys.getrefcount` and `type()`.
 *
 * See `Include/object.h` in CPython 3.13.5 (the `PyObject` and
 * `PyVarObject` structs, `Py_REFCNT`, `Py_TYPE`, `Py_SIZE`) and
 * `Include/cpython/longintrepr.h` (`lv_tag`).
 */
#ifndef PYINTERNALS_OBJHEADER_H
#define PYINTERNALS_OBJHEADER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* start-c-struct */
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
    /** 1 when the type has an `ob_size` field, 0 otherwise. */
    int has_size;
    /** `ob_size` when `has_size` is 1 (negative for negative ints before
        3.12); 0 otherwise. */
    Py_ssize_t size;
} ObjectHeader;
/* end-c-struct */

/**
 * @brief Where the header fields sit, as this compiler lays them out.
 *
 * The ctypes structures of `pyinternals.runtime.header` must agree with
 * these numbers, or every reading they make is wrong.
 */
typedef struct {
    /** `sizeof(PyObject)`. */
    size_t object_size;
    /** `sizeof(PyVarObject)`. */
    size_t var_object_size;
    /** `offsetof(PyObject, ob_refcnt)`. */
    size_t refcnt_offset;
    /** `offsetof(PyObject, ob_type)`. */
    size_t type_offset;
    /** `offsetof(PyVarObject, ob_size)`. */
    size_t size_offset;
} HeaderLayout;

/**
 * @brief Tell whether instances of a type carry an `ob_size` field.
 *
 * A type is variable-size when its `tp_itemsize` is non-zero, and so are
 * `list` and `bytearray`, which keep their items in a separate block but
 * still start with `PyVarObject`, `ob_size` being their length. `int` (with
 * its subclasses, `bool` among them) is the exception: its `tp_itemsize`
 * is the size of a digit, and its `ob_size` field held the signed digit
 * count until CPython 3.12, which moved the count into `lv_tag`.
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

/**
 * @brief Describe the header layout this module was compiled with.
 *
 * @param[out] layout Receives the sizes and offsets.
 */
void objheader_layout(HeaderLayout *layout);

#endif /* PYINTERNALS_OBJHEADER_H */

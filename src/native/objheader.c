/**
 * @file objheader.c
 * @brief The extension module `pyinternals.runtime._objheader`.
 *
 * Exposes the functions of objheader.h to Python. Each Python-level
 * function receives its argument as a borrowed reference (METH_O), so the
 * counts it reports include the one reference the caller's argument holds,
 * exactly as `sys.getrefcount` does.
 */
#include <stddef.h>

#include "objheader.h"

/* start-c-read */
int
objheader_has_size(PyTypeObject *type)
{
    if (PyType_IsSubtype(type, &PyLong_Type)) {
        /* Since 3.12 an int keeps its digit count in lv_tag, not ob_size. */
        return PY_VERSION_HEX < 0x030C0000;
    }
    /* Lists and bytearrays keep their items apart: item size 0, yet a
       PyVarObject header whose ob_size is the length. */
    return type->tp_itemsize != 0
        || PyType_IsSubtype(type, &PyList_Type)
        || PyType_IsSubtype(type, &PyByteArray_Type);
}

void
objheader_read(PyObject *object, ObjectHeader *header)
{
    header->address = (uintptr_t)object;
    header->refcount = Py_REFCNT(object);
    header->type_address = (uintptr_t)Py_TYPE(object);
    header->has_size = objheader_has_size(Py_TYPE(object));
    header->size = header->has_size ? Py_SIZE(object) : 0;
}
/* end-c-read */

void
objheader_layout(HeaderLayout *layout)
{
    layout->object_size = sizeof(PyObject);
    layout->var_object_size = sizeof(PyVarObject);
    layout->refcnt_offset = offsetof(PyObject, ob_refcnt);
    layout->type_offset = offsetof(PyObject, ob_type);
    layout->size_offset = offsetof(PyVarObject, ob_size);
}

/** @brief `read_header(obj)`: the header of `obj` as a new dict. */
static PyObject *
header_as_dict(PyObject *Py_UNUSED(module), PyObject *object)
{
    ObjectHeader header;
    objheader_read(object, &header);
    /* Read before any object is built: building one could change counts. */
    PyObject *size = header.has_size
        ? PyLong_FromSsize_t(header.size)
        : Py_NewRef(Py_None);
    if (size == NULL) {
        return NULL;
    }
    return Py_BuildValue(
        "{s:K,s:n,s:K,s:N}",
        "address", (unsigned long long)header.address,
        "refcount", header.refcount,
        "type_address", (unsigned long long)header.type_address,
        "size", size);
}

/* start-c-refcount */
/** @brief `refcount(obj)`: `Py_REFCNT(obj)` while the call runs. */
static PyObject *
refcount(PyObject *Py_UNUSED(module), PyObject *object)
{
    return PyLong_FromSsize_t(Py_REFCNT(object));
}
/* end-c-refcount */

/** @brief `type_of(obj)`: a new reference to `Py_TYPE(obj)`. */
static PyObject *
type_of(PyObject *Py_UNUSED(module), PyObject *object)
{
    return Py_NewRef((PyObject *)Py_TYPE(object));
}

/** @brief `layout()`: the sizes and offsets of the header as a new dict. */
static PyObject *
layout_as_dict(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(unused))
{
    HeaderLayout layout;
    objheader_layout(&layout);
    return Py_BuildValue(
        "{s:n,s:n,s:n,s:n,s:n}",
        "PyObject", (Py_ssize_t)layout.object_size,
        "PyVarObject", (Py_ssize_t)layout.var_object_size,
        "ob_refcnt", (Py_ssize_t)layout.refcnt_offset,
        "ob_type", (Py_ssize_t)layout.type_offset,
        "ob_size", (Py_ssize_t)layout.size_offset);
}

/** @brief The module's functions, with their signatures for `inspect`. */
static PyMethodDef objheader_methods[] = {
    {"read_header", header_as_dict, METH_O,
     "read_header(obj, /)\n--\n\n"
     "Return obj's header fields as a dict: address, refcount,\n"
     "type_address and size (None when the type has no ob_size)."},
    {"refcount", refcount, METH_O,
     "refcount(obj, /)\n--\n\n"
     "Return obj's ob_refcnt field as it is while this call runs."},
    {"type_of", type_of, METH_O,
     "type_of(obj, /)\n--\n\n"
     "Return the type object that obj's ob_type field points to."},
    {"layout", layout_as_dict, METH_NOARGS,
     "layout()\n--\n\n"
     "Return sizeof(PyObject), sizeof(PyVarObject) and the offsets of\n"
     "ob_refcnt, ob_type and ob_size as a dict."},
    {NULL, NULL, 0, NULL},
};

/** @brief The module definition: no state, initialised in one phase. */
static struct PyModuleDef objheader_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pyinternals.runtime._objheader",
    .m_doc = "PyObject header fields read by C code (Chapter 2).",
    .m_size = 0,
    .m_methods = objheader_methods,
};

/** @brief Create the module object when `_objheader` is first imported. */
PyMODINIT_FUNC
PyInit__objheader(void)
{
    return PyModuleDef_Init(&objheader_module);
}

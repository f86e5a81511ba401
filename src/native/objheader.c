/*
 * The extension module pyinternals.runtime._objheader: PyObject header
 * fields as C sees them. The functions are documented in objheader.h.
 */
#include "objheader.h"

int
objheader_has_size(PyTypeObject *type)
{
    if (type == &PyLong_Type) {
        /* Since 3.12 an int keeps its digit count in lv_tag, not ob_size. */
        return PY_VERSION_HEX < 0x030C0000;
    }
    return type->tp_itemsize != 0;
}

void
objheader_read(PyObject *object, ObjectHeader *header)
{
    header->address = (uintptr_t)object;
    header->refcount = Py_REFCNT(object);
    header->type_address = (uintptr_t)Py_TYPE(object);
    header->size = objheader_has_size(Py_TYPE(object)) ? Py_SIZE(object) : -1;
}

static PyObject *
header_as_dict(PyObject *Py_UNUSED(module), PyObject *object)
{
    ObjectHeader header;
    objheader_read(object, &header);
    return Py_BuildValue(
        "{s:K,s:n,s:K,s:n}",
        "address", (unsigned long long)header.address,
        "refcount", header.refcount,
        "type_address", (unsigned long long)header.type_address,
        "size", header.size);
}

static PyObject *
refcount(PyObject *Py_UNUSED(module), PyObject *object)
{
    return PyLong_FromSsize_t(Py_REFCNT(object));
}

static PyObject *
type_of(PyObject *Py_UNUSED(module), PyObject *object)
{
    return Py_NewRef((PyObject *)Py_TYPE(object));
}

static PyMethodDef objheader_methods[] = {
    {"read_header", header_as_dict, METH_O,
     "read_header(obj, /)\n--\n\n"
     "Return obj's header fields as a dict: address, refcount,\n"
     "type_address and size (-1 when the type has no ob_size)."},
    {"refcount", refcount, METH_O,
     "refcount(obj, /)\n--\n\n"
     "Return obj's ob_refcnt field as it is while this call runs."},
    {"type_of", type_of, METH_O,
     "type_of(obj, /)\n--\n\n"
     "Return the type object that obj's ob_type field points to."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef objheader_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pyinternals.runtime._objheader",
    .m_doc = "PyObject header fields read by C code (Chapter 2).",
    .m_size = 0,
    .m_methods = objheader_methods,
};

PyMODINIT_FUNC
PyInit__objheader(void)
{
    return PyModuleDef_Init(&objheader_module);
}

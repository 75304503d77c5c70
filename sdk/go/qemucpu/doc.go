// Which guest CPU models and features KVM hosts can really give a VM, answered by QEMU itself over QMP; fails a preview on a CPU some host cannot enforce.
package qemucpu

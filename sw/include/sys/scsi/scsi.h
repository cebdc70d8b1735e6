/*
 * sys/scsi/scsi.h — everything a SCSI target or HBA driver needs, as on
 * illumos: packets, addresses, devices, resources, HBA transport, status,
 * sense and command definitions, on top of <sys/ddi.h> / <sys/sunddi.h>.
 * Implemented in sw/scsi/ (docs/scsa.md). Usable from C11 and C++20.
 */
#ifndef DDISIM_SYS_SCSI_SCSI_H
#define DDISIM_SYS_SCSI_SCSI_H

#include <sys/types.h>
#include <sys/ddi.h>
#include <sys/sunddi.h>
#include <sys/buf.h>
#include <sys/scsi/scsi_types.h>
#include <sys/scsi/scsi_address.h>
#include <sys/scsi/scsi_pkt.h>
#include <sys/scsi/scsi_resource.h>
#include <sys/scsi/generic/commands.h>
#include <sys/scsi/generic/sense.h>
#include <sys/scsi/generic/status.h>
#include <sys/scsi/conf/device.h>
#include <sys/scsi/impl/transport.h>

#endif /* DDISIM_SYS_SCSI_SCSI_H */

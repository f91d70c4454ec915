#include "run/taskstoreworker.h"

namespace coroscope::ui {

TaskStoreWorker::TaskStoreWorker(QObject* parent)
    : QObject(parent) {
    m_pool.setMaxThreadCount(1); // one connection, queries in order
    m_pool.setExpiryTimeout(-1);
}

TaskStoreWorker::~TaskStoreWorker() {
    m_pool.waitForDone();
}

void TaskStoreWorker::setPath(const QString& path) {
    m_path = path;
}

} // namespace coroscope::ui

#pragma once

#include "reading/taskstore.h"

#include <QString>

#include <optional>
#include <vector>

namespace coroscope::ui {

/// What the Tasks panel's detail pane shows of one task, read off the GUI thread.
struct TaskDetail {
    TaskInfo task;
    std::optional<TaskInfo> parent;
    std::vector<TaskInfo> children; ///< the first ones, by id
    std::size_t childCount = 0;
    std::vector<session::TaskSegment> resumes; ///< the first ones: its state history
    bool moreResumes = false;
};

/// Reads a task with its parent, children and first resumes; nullopt if the session has no such task.
std::optional<TaskDetail> loadTaskDetail(session::TaskStore& store, std::uint64_t taskId);

/// The detail pane's HTML (strings from scripts escaped and bounded). `startNs`: the run's start.
QString taskDetailHtml(const TaskDetail& detail, std::int64_t startNs);

} // namespace coroscope::ui

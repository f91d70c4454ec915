#include "dialogs/comparedialog.h"

#include "dialogs/filepaths.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace coroscope::ui {
namespace {

const QStringList kExportFilters{QStringLiteral("HTML (*.html)"), QStringLiteral("JSON (*.json)"),
                                 QStringLiteral("Markdown (*.md)")};

int rank(DiffVerdict verdict) {
    switch (verdict) {
    case DiffVerdict::Regression:
        return 0;
    case DiffVerdict::Improvement:
        return 1;
    default:
        return 2;
    }
}

QString runName(const QString& script) {
    return script.isEmpty() ? QObject::tr("(no script)") : script;
}

} // namespace

CompareDialog::CompareDialog(const SessionDiff& diff, QWidget* parent)
    : QDialog(parent)
    , m_diff(diff)
    , m_order(displayOrder(diff))
    , m_scriptWarning(scriptMismatch(diff))
    , m_table(new QTableWidget(int(diff.rows.size()), 8, this))
    , m_changesOnly(new QCheckBox(tr("&Changes only"), this))
    , m_exportStatus(new QLabel(this)) {
    setWindowTitle(tr("Compare Sessions"));
    auto* layout = new QVBoxLayout(this);
    auto* heading = new QLabel(tr("<b>A</b> %1<br><b>B</b> %2<br>%3")
                                   .arg(QFileInfo(diff.pathA).fileName().toHtmlEscaped(),
                                        QFileInfo(diff.pathB).fileName().toHtmlEscaped(),
                                        diffSummary(diff).toHtmlEscaped()),
                               this);
    heading->setWordWrap(true);
    layout->addWidget(heading);
    auto* warning = new QLabel(this);
    warning->setObjectName(QStringLiteral("scriptWarning"));
    warning->setWordWrap(true);
    warning->setText(m_scriptWarning);
    warning->setStyleSheet(QStringLiteral("QLabel { background: #fff8c5; color: #4d2d00; padding: 6px; }"));
    warning->setVisible(!m_scriptWarning.isEmpty());
    layout->addWidget(warning);
    layout->addWidget(m_changesOnly);
    m_table->setHorizontalHeaderLabels({tr("Section"), tr("Subject"), tr("What"), tr("A"), tr("B"),
                                        tr("Change"), tr("Ratio"), tr("Verdict")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setStretchLastSection(true);
    for (int row = 0; row < int(m_order.size()); ++row) {
        const DiffRow& r = diff.rows[m_order[std::size_t(row)]];
        const auto value = [&](const std::optional<double>& v) {
            return v ? formatDiffValue(r.unit, *v) : QStringLiteral("—");
        };
        const QStringList cells{r.section,
                                r.subject,
                                r.what,
                                value(r.a),
                                value(r.b),
                                r.delta() ? formatDiffValue(r.unit, *r.delta(), true) : QStringLiteral("—"),
                                formatDiffRatio(r),
                                diffVerdictName(r.verdict)};
        const QColor tint = r.verdict == DiffVerdict::Regression    ? QColor(255, 215, 213)
                            : r.verdict == DiffVerdict::Improvement ? QColor(209, 244, 215)
                                                                    : QColor();
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (tint.isValid()) {
                item->setBackground(tint);
                item->setForeground(Qt::black); // readable on the tint in a dark palette too
            }
            if (c >= 3 && c <= 6)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(row, c, item);
        }
    }
    m_table->resizeColumnsToContents();
    layout->addWidget(m_table);
    m_exportStatus->setWordWrap(true);
    m_exportStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportStatus->hide();
    layout->addWidget(m_exportStatus);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* exportButton = buttons->addButton(tr("&Export…"), QDialogButtonBox::ActionRole);
    exportButton->setObjectName(QStringLiteral("exportButton"));
    connect(exportButton, &QPushButton::clicked, this, &CompareDialog::exportInteractively);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_changesOnly, &QCheckBox::toggled, this, &CompareDialog::showChangesOnly);
    layout->addWidget(buttons);
    resize(900, 600);
}

std::vector<std::size_t> CompareDialog::displayOrder(const SessionDiff& diff) {
    std::vector<std::size_t> order(diff.rows.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return rank(diff.rows[x].verdict) < rank(diff.rows[y].verdict);
    });
    return order;
}

bool CompareDialog::isChange(const DiffRow& row) {
    switch (row.verdict) {
    case DiffVerdict::Regression:
    case DiffVerdict::Improvement:
        return true;
    case DiffVerdict::Unchanged:
        return false;
    case DiffVerdict::Info:
        break;
    }
    return row.a.has_value() != row.b.has_value() || (row.a && *row.a != *row.b);
}

QString CompareDialog::scriptMismatch(const SessionDiff& diff) {
    const RunInfo& a = diff.runA;
    const RunInfo& b = diff.runB;
    const bool sameSource = a.scriptSource == b.scriptSource;
    if (a.script != b.script && !sameSource)
        return tr("A and B ran different scripts (A: %1, B: %2): their figures measure different "
                  "workloads.")
            .arg(runName(a.script), runName(b.script));
    if (!sameSource)
        return tr("The script %1 was edited between A and B: the changes below include the edit's.")
            .arg(runName(b.script));
    return QString(); // the same script, perhaps from another path: comparable
}

void CompareDialog::showChangesOnly(bool only) {
    for (int row = 0; row < int(m_order.size()); ++row)
        m_table->setRowHidden(row, only && !isChange(m_diff.rows[m_order[std::size_t(row)]]));
}

QString CompareDialog::exportTo(const QString& path) const {
    // The extensions `coroscope diff -o` takes, and its writers.
    QByteArray bytes;
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
        bytes = diffJson(m_diff);
    else if (path.endsWith(QLatin1String(".md"), Qt::CaseInsensitive) ||
             path.endsWith(QLatin1String(".markdown"), Qt::CaseInsensitive))
        bytes = diffMarkdown(m_diff);
    else if (path.endsWith(QLatin1String(".html"), Qt::CaseInsensitive) ||
             path.endsWith(QLatin1String(".htm"), Qt::CaseInsensitive))
        bytes = diffHtml(m_diff);
    else
        return tr("%1: cannot tell the format from the extension (use .json, .md or .html)").arg(path);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return tr("cannot write %1: %2").arg(path, file.errorString());
    return QString();
}

void CompareDialog::exportInteractively() {
    const QString suggested =
        QStringLiteral("diff-%1-vs-%2")
            .arg(QFileInfo(m_diff.pathA).completeBaseName(), QFileInfo(m_diff.pathB).completeBaseName());
    QString filter = kExportFilters.front();
    const QString typed = QFileDialog::getSaveFileName(
        this, tr("Export Comparison"), QDir(lastExportDirectory(QDir::homePath())).filePath(suggested),
        kExportFilters.join(QStringLiteral(";;")), &filter);
    if (typed.isEmpty())
        return;
    const QString path = withFilterExtension(typed, filter, kExportFilters);
    const QString error = exportTo(path);
    if (error.isEmpty())
        rememberExportDirectory(path);
    m_exportStatus->setText(error.isEmpty() ? tr("Comparison written to %1").arg(path) : error);
    m_exportStatus->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("QLabel { color: #cf222e; }"));
    m_exportStatus->show();
}

QFuture<CompareDialog::Outcome> CompareDialog::compareInBackground(const QString& a, const QString& b,
                                                                   double tolerance) {
    return QtConcurrent::run([a, b, tolerance]() -> Outcome {
        try {
            return diffSessions(session::readSession(a), session::readSession(b), tolerance);
        } catch (const session::SessionError& e) {
            return e.message();
        }
    });
}

} // namespace coroscope::ui

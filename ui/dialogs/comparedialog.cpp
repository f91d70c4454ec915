#include "dialogs/comparedialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace coroscope::ui {

CompareDialog::CompareDialog(const SessionDiff& diff, QWidget* parent)
    : QDialog(parent)
    , m_table(new QTableWidget(int(diff.rows.size()), 8, this)) {
    setWindowTitle(tr("Compare Sessions"));
    auto* layout = new QVBoxLayout(this);
    auto* heading = new QLabel(tr("<b>A</b> %1<br><b>B</b> %2<br>%3")
                                   .arg(QFileInfo(diff.pathA).fileName().toHtmlEscaped(),
                                        QFileInfo(diff.pathB).fileName().toHtmlEscaped(),
                                        diffSummary(diff).toHtmlEscaped()),
                               this);
    heading->setWordWrap(true);
    layout->addWidget(heading);
    m_table->setHorizontalHeaderLabels({tr("Section"), tr("Subject"), tr("What"), tr("A"), tr("B"),
                                        tr("Change"), tr("Ratio"), tr("Verdict")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setStretchLastSection(true);
    for (int row = 0; row < int(diff.rows.size()); ++row) {
        const DiffRow& r = diff.rows[std::size_t(row)];
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
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(900, 600);
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

#include <torch/torch.h>
#include <QtTest>
class TestRewindRetrain : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(TestRewindRetrain)
#include "test_rewind_retrain.moc"
